//! Runtime tests against the built-in and hostile plugins.
