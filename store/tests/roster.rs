//! The users and groups of a new store, row by row (store::roster), on a real SQLite file.

use jfc_store::roster::Roster;
use jfc_store::Store;

fn names(members: &[(i64, String)]) -> Vec<&str> {
    members.iter().map(|(_, name)| name.as_str()).collect()
}

#[test]
fn users_groups_and_memberships_read_back_by_name_and_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = Store::open(&dir.path().join("store.sqlite")).expect("opens");

    let users = s.members(Roster::Users).expect("users");
    assert_eq!(names(&users), ["admin", "guest", "root"]);
    let groups = s.members(Roster::Groups).expect("groups");
    assert_eq!(names(&groups), ["other", "wheel"]);

    let (root, name) = s
        .member_named(Roster::Users, "root")
        .expect("query")
        .expect("root");
    assert_eq!(name, "root");
    assert_eq!(
        s.member_with_id(Roster::Users, root).expect("query"),
        Some((root, name))
    );
    assert_eq!(s.member_named(Roster::Groups, "root").expect("query"), None);
    assert_eq!(s.member_with_id(Roster::Groups, 9999).expect("query"), None);

    let row = s.user_row(root).expect("row");
    assert_eq!(
        (row.name.as_str(), row.active, row.environment),
        ("root", true, None)
    );
    assert!(s.user_row(9999).is_err());

    assert_eq!(
        names(&s.groups_of(root).expect("groups")),
        ["other", "wheel"]
    );
    let (wheel, _) = s
        .member_named(Roster::Groups, "wheel")
        .expect("query")
        .expect("wheel");
    assert_eq!(s.group_name(wheel).expect("name"), "wheel");
    assert_eq!(names(&s.users_of(wheel).expect("users")), ["root"]);
}
