//! Request and byte counters. (Skeleton: being filled in.)

use crate::config::Config;

/// Set by a handler as a response extension to name the route it served in `stats`
/// (e.g. `GET /items/{id}/children`); requests without one are counted by raw path shape.
#[derive(Clone, Debug)]
pub struct RouteLabel(pub String);

pub struct Stats {}

impl Stats {
    pub fn new(_config: &Config) -> Self {
        Self {}
    }
}
