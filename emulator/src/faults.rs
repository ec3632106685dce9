//! Seeded random and scripted transient faults. (Skeleton: being filled in.)

use crate::config::Config;

pub struct Faults {}

impl Faults {
    pub fn new(_config: &Config) -> Self {
        Self {}
    }
}
