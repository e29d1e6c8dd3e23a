//! The built-in types of `/system/types` (platform.md §1.4, library.md §3), in the
//! listing order of the manual, with their fields: `(name, display name, field type)`.

pub type FieldDef = (&'static str, &'static str, &'static str);

pub struct TypeDef {
    pub name: &'static str,
    pub display_name: &'static str,
    pub fields: &'static [FieldDef],
}

const fn t(name: &'static str, display_name: &'static str, fields: &'static [FieldDef]) -> TypeDef {
    TypeDef {
        name,
        display_name,
        fields,
    }
}

const INVISIBLE_ARRAY_OF_BINARY: &str = r#"Array<Binary> {"invisible": true}"#;

pub static BUILTIN_TYPES: &[TypeDef] = &[
    t(
        "TypeObject",
        "Type object",
        &[
            (
                "extend",
                "Extend module",
                r#"String {"default": "kompira.extends"}"#,
            ),
            ("fieldNames", "Field names", "Array"),
            ("fieldDisplayNames", "Field display names", "Array"),
            ("fieldTypes", "Field types", "Array"),
        ],
    ),
    t(
        "Directory",
        "Directory",
        &[
            ("orderBy", "Order by", "String"),
            ("pageSize", "Page size", "Integer"),
        ],
    ),
    t("License", "License", &[]),
    t("Virtual", "Virtual", &[]),
    t(
        "Jobflow",
        "Jobflow",
        &[
            ("source", "Source", "LargeText"),
            ("code", "Code", r#"LargeText {"invisible": true}"#),
            (
                "parameters",
                "Parameters",
                r#"Dictionary {"invisible": true}"#,
            ),
            ("executable", "Executable", r#"Boolean {"invisible": true}"#),
            ("errors", "Errors", r#"Dictionary {"invisible": true}"#),
            (
                "compilerVersion",
                "Compiler version",
                r#"String {"invisible": true}"#,
            ),
            ("multiplicity", "Multiplicity", r#"Integer {"default": 0}"#),
            (
                "defaultCheckpointMode",
                "Checkpoint mode",
                r#"Boolean {"default": false}"#,
            ),
            (
                "defaultMonitoringMode",
                "Monitoring mode",
                r#"Enum {"enum": ["NOTHING", "MAIL", "ABORT_MAIL"], "default": "NOTHING"}"#,
            ),
            (
                "compiledDatetime",
                "Compiled",
                r#"Datetime {"invisible": true}"#,
            ),
        ],
    ),
    t(
        "Channel",
        "Channel",
        &[
            ("message_queue", "Message queue", INVISIBLE_ARRAY_OF_BINARY),
            ("event_queue", "Event queue", INVISIBLE_ARRAY_OF_BINARY),
            (
                "action_type",
                "Action",
                r#"Enum {"enum": ["NoAction", "ExecuteJobflow"], "default": "NoAction"}"#,
            ),
            ("action_target", "Action target", "Object"),
        ],
    ),
    t(
        "Wiki",
        "Wiki",
        &[
            ("wikitext", "Wiki text", "LargeText"),
            ("style", "Style", "Enum"),
        ],
    ),
    t(
        "ScriptJob",
        "Script job",
        &[
            ("source", "Source", "LargeText"),
            ("ext", "Extension", "String"),
            ("multiplicity", "Multiplicity", r#"Integer {"default": 0}"#),
        ],
    ),
    t(
        "Environment",
        "Environment",
        &[("environment", "Environment variables", "Dictionary")],
    ),
    t(
        "Template",
        "Template",
        &[("template", "Template", "LargeText")],
    ),
    t(
        "Table",
        "Table",
        &[
            ("typeObject", "Type object", "Object"),
            ("relatedObject", "Related object", "Object"),
            ("displayList", "Display list", "Array"),
            ("orderBy", "Order by", "String"),
            ("pageSize", "Page size", "Integer"),
        ],
    ),
    t(
        "Realm",
        "Realm",
        &[
            ("range", "Range", "Array"),
            ("disabled", "Disabled", "Boolean"),
        ],
    ),
    t(
        "AttachedFile",
        "Attached file",
        &[
            ("attached1", "Attached file 1", "File"),
            ("attached2", "Attached file 2", "File"),
            ("attached3", "Attached file 3", "File"),
        ],
    ),
    t(
        "NodeInfo",
        "Node information",
        &[
            ("nodetype", "Node type", "Object"),
            ("conntype", "Connection type", "String"),
            ("hostname", "Host name", "String"),
            ("ipaddr", "IP address", "IPAddress"),
            (
                "port",
                "Port",
                r#"Integer {"min_value": 0, "max_value": 65535}"#,
            ),
            ("shell", "Shell", "String"),
            ("use_shell", "Use shell", r#"Boolean {"default": true}"#),
            ("proxy", "Proxy", "Object"),
            ("account", "Account", "Object"),
            // jfc: the agent zone the node's commands run from (`jfc agent`).
            ("zone", "Zone", "String"),
        ],
    ),
    t(
        "AccountInfo",
        "Account information",
        &[
            ("user", "User", "String"),
            ("password", "Password", "Password"),
            ("keyfile", "Key file", "File"),
            ("passphrase", "Passphrase", "Password"),
        ],
    ),
    t(
        "Repository",
        "Repository",
        &[
            ("URL", "URL", "URL"),
            (
                "repositoryType",
                "Repository type",
                r#"Enum {"enum": ["git"], "default": "git"}"#,
            ),
            ("port", "Port", "Integer"),
            ("username", "User name", "String"),
            ("password", "Password", "Password"),
            ("directory", "Directory", "Object"),
            ("updateConfig", "Update config", "Boolean"),
            ("log", "Log", "LargeText"),
        ],
    ),
    t(
        "MailChannel",
        "Mail channel",
        &[
            ("message_queue", "Message queue", INVISIBLE_ARRAY_OF_BINARY),
            ("event_queue", "Event queue", INVISIBLE_ARRAY_OF_BINARY),
            ("serverName", "Server", "String"),
            (
                "protocol",
                "Protocol",
                r#"Enum {"enum": ["IMAP4", "POP3"], "default": "IMAP4"}"#,
            ),
            ("SSL", "SSL", "Boolean"),
            ("port", "Port", "Integer"),
            ("username", "User name", "String"),
            ("password", "Password", "Password"),
            ("timeout", "Timeout", "Integer"),
            ("mailbox", "Mailbox", "String"),
            ("checkInterval", "Check interval", "Integer"),
            (
                "action_type",
                "Action",
                r#"Enum {"enum": ["NoAction", "ExecuteJobflow"], "default": "NoAction"}"#,
            ),
            ("action_target", "Action target", "Object"),
            ("disabled", "Disabled", "Boolean"),
        ],
    ),
    t(
        "Form",
        "Form",
        &[
            ("submitObject", "Submit to", "Object"),
            ("fieldNames", "Field names", "Array"),
            ("fieldDisplayNames", "Field display names", "Array"),
            ("fieldTypes", "Field types", "Array"),
        ],
    ),
    t(
        "Config",
        "Config",
        &[
            ("fieldNames", "Field names", "Array"),
            ("fieldDisplayNames", "Field display names", "Array"),
            ("fieldTypes", "Field types", "Array"),
        ],
    ),
    t(
        "Library",
        "Library",
        &[
            (
                "libraryType",
                "Library type",
                r#"Enum {"enum": ["python"], "default": "python"}"#,
            ),
            ("modulePath", "Module path", "String"),
            ("sourceText", "Source", "LargeText"),
            ("document", "Document", "LargeText"),
            ("executable", "Executable", "Boolean"),
        ],
    ),
    t(
        "MailTemplate",
        "Mail template",
        &[
            ("subject", "Subject", "String"),
            ("body", "Body", "LargeText"),
        ],
    ),
    t(
        "Text",
        "Text",
        &[
            ("text", "Text", "LargeText"),
            ("ext", "Extension", "String"),
            ("contentType", "Content type", "String"),
            ("context", "Context", "Object"),
        ],
    ),
    t("SystemInfo", "System information", &[]),
    t("NodeType", "Node type", &[]),
    t(
        "CustomStyle",
        "Custom style",
        &[
            ("mainBackColor", "Main background", "String"),
            ("menubarBackColor", "Menu bar background", "String"),
            ("menubarTextColor", "Menu bar text", "String"),
            ("invertMode", "Invert", "Boolean"),
        ],
    ),
    t(
        "OAuth2Provider",
        "OAuth2 provider",
        &[
            ("client_id", "Client ID", "String"),
            ("client_secret", "Client secret", "Password"),
            ("auth_endpoint", "Authorization endpoint", "URL"),
            ("token_endpoint", "Token endpoint", "URL"),
            ("scope", "Scope", "Array"),
            ("redirect_url", "Redirect URL", "URL"),
        ],
    ),
    t(
        "SmtpServer",
        "SMTP server",
        &[
            ("hostname", "Host name", "String"),
            ("port", "Port", "Integer"),
            ("username", "User name", "String"),
            ("password", "Password", "Password"),
            ("timeout", "Timeout", "Integer"),
            ("use_tls", "TLS", "Boolean"),
            ("use_ssl", "SSL", "Boolean"),
        ],
    ),
    t(
        "LdapServer",
        "LDAP server",
        &[
            ("server_url", "Server URL", "URL"),
            ("timeout", "Timeout", "Integer"),
            ("use_starttls", "STARTTLS", "Boolean"),
            ("bind_dn", "Bind DN", "String"),
            ("bind_password", "Bind password", "Password"),
            ("user_search_dn", "User search DN", "String"),
        ],
    ),
];

/// The definition of a built-in type by name.
pub fn builtin(name: &str) -> Option<&'static TypeDef> {
    BUILTIN_TYPES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn twenty_eight_types_in_manual_order() {
        let names: Vec<&str> = super::BUILTIN_TYPES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), 28);
        assert_eq!(names[0], "TypeObject");
        assert_eq!(names[27], "LdapServer");
    }
}
