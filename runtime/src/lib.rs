//! The jobflow host: runs on behalf of the VM what the VM may not do itself.

pub mod exec;
pub mod file_bundle;
pub mod local;
pub mod local_jobs;
pub mod objects;
pub mod process_list;
pub mod record;
pub mod resume;
pub mod run;
pub mod schedule_list;
pub mod script;
pub mod session;
pub mod ssh;
pub mod started;
pub mod task_list;
pub mod transfer;
pub mod user_list;
pub mod zones;

pub use local::LocalHost;
