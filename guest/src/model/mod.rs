//! Tables, rows and how rows meet live columns.

pub mod layout;
pub mod plan;
pub mod row;
pub mod table;
pub mod unique;
