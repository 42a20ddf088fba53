//! Protocol adapters. Each is thin: it turns wire input into action payloads, calls the registry
//! or a domain function, and maps results and errors onto its wire format.

pub mod graphql;
pub mod mcp;
pub mod oauth;
pub mod rest;
pub mod ws;
