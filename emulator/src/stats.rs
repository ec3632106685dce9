//! Request and byte counters. (Skeleton: being filled in.)
