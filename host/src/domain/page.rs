//! Page-number pagination: `?page=` (from 1) and `?per_page=` (default 50, at most 200).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::wire;
use crate::error::{Error, Result};

/// Default page size.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// Largest page size; larger requests are clamped to it.
pub const MAX_PER_PAGE: u32 = 200;

/// The paging part of a list request.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PageQuery {
    /// Page number, from 1.
    #[serde(default, deserialize_with = "wire::lenient_u32")]
    #[schemars(with = "Option<u32>")]
    pub page: Option<u32>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "wire::lenient_u32")]
    #[schemars(with = "Option<u32>")]
    pub per_page: Option<u32>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl PageQuery {
    /// Validates the numbers: `page` and `per_page` must be at least 1; `per_page` is clamped.
    pub fn resolve(&self) -> Result<PageRequest> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 {
            return Err(Error::invalid_field("page", "page starts at 1"));
        }
        if per_page == 0 {
            return Err(Error::invalid_field(
                "per_page",
                "per_page must be at least 1",
            ));
        }
        Ok(PageRequest {
            page,
            per_page: per_page.min(MAX_PER_PAGE),
        })
    }
}

impl PageRequest {
    /// SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
    /// SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// On the wire a page is the array of its items (`data`); the pagination travels beside it.
impl<T: JsonSchema> JsonSchema for Page<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("PageOf{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<T>>::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}

/// One page of a list plus the totals.
#[derive(Debug)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// What was asked for.
    pub request: PageRequest,
    /// Items across all pages.
    pub total: i64,
}

/// The `pagination` member of list responses.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// Items across all pages.
    pub total: i64,
    /// This page's number.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// Number of pages.
    pub total_pages: i64,
}

impl<T> Page<T> {
    /// The pagination summary.
    pub fn pagination(&self) -> Pagination {
        let per_page = i64::from(self.request.per_page);
        Pagination {
            total: self.total,
            page: self.request.page,
            per_page: self.request.per_page,
            total_pages: (self.total + per_page - 1) / per_page,
        }
    }
}
