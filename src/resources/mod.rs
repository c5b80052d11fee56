//! The resources, one file each, registered below like tools are.

mod status;

pub use status::Status;

use crate::catalog::CatalogBuilder;

/// The `core` resources: the seed's status resource.
pub fn core(catalog: CatalogBuilder) -> CatalogBuilder {
    catalog.resource(Status)
}
