//! (Skeleton: being filled in.)
