//! The `~/.lcrc` state file. (Skeleton: being filled in.)
