//! What a flow may read or call on any object of the store besides its fields
//! (library.md §3): the runtime answers them, the language server completes them.

/// Properties every object has (§3.2).
pub const PROPERTIES: &[&str] = &[
    "id",
    "abspath",
    "name",
    "display_name",
    "description",
    "field_names",
    "owner",
    "created",
    "updated",
    "parent_object",
    "children",
    "type_object",
    "type_name",
];

/// Methods every object has (§3.3), and those of containers (§3.6, §3.7).
pub const COMMON_METHODS: &[&str] = &["delete", "update", "rename"];
pub const CONTAINER_METHODS: &[&str] = &["add", "has_child", "move", "copy", "find", "glob"];
pub const CHANNEL_METHODS: &[&str] = &[
    "send",
    "pop_message",
    "peek_message",
    "delete_message",
    "clear_messages",
];

/// Whether `name` is a method of objects of type `type_name`.
pub fn is_method(type_name: &str, name: &str) -> bool {
    methods(type_name).any(|m| m == name)
}

/// The methods of objects of type `type_name`: the common ones, and a container's or
/// a channel's.
pub fn methods(type_name: &str) -> impl Iterator<Item = &'static str> {
    let container: &[&str] = if is_container(type_name) {
        CONTAINER_METHODS
    } else {
        &[]
    };
    let channel: &[&str] = if is_channel(type_name) {
        CHANNEL_METHODS
    } else {
        &[]
    };
    COMMON_METHODS
        .iter()
        .chain(container)
        .chain(channel)
        .copied()
}

pub fn is_channel(type_name: &str) -> bool {
    matches!(type_name, "Channel" | "MailChannel")
}

pub fn is_container(type_name: &str) -> bool {
    matches!(type_name, "Directory" | "Table")
}
