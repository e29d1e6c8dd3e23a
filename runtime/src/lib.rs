//! The jobflow host: runs what the VM asks for outside itself.
