//! BIND zone files in and out.
//!
//! TO BE WRITTEN (helper task).
