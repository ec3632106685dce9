//! Seeded random and scripted transient faults. (Skeleton: being filled in.)
