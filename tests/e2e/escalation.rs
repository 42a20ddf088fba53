//! No privilege escalation through member management (issue 26, class 3):
//!
//! * a matrix of every actor role (admin, manager, member, viewer — each holding `manage_members`
//!   on top) × every target role × every new role, and every actor role × every permission
//!   granted to a member and to a viewer, checked against a small model of the rules: nobody
//!   gives a role ranked above their own or a permission set that is not a subset of their own,
//!   nobody changes or removes a member who outranks them (a higher role, or any permission they
//!   lack), only an owner makes owners; refused changes leave every membership as it was;
//! * the reproduction from the issue: a member granted only `manage_members` can neither promote
//!   themselves, nor grant themselves `manage_org`/`manage_plugins`/`manage_webhooks`, nor demote
//!   an admin; they may act within their limits, demote themselves, and leave; without
//!   `manage_members` nobody acts on others;
//! * invitations carry the same limits: an admin whose `manage_org` is revoked cannot invite an
//!   admin but can invite a manager; a manager with `manage_members` cannot invite an admin.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Resp, Server, find_mailed_token};

/// Every role, highest rank first.
const ROLES: [&str; 5] = ["owner", "admin", "manager", "member", "viewer"];

/// The roles of the actors in the matrix: every role below owner.
const ACTOR_ROLES: [&str; 4] = ["admin", "manager", "member", "viewer"];

/// Every permission.
const PERMISSIONS: [&str; 10] = [
    "manage_org",
    "manage_members",
    "manage_projects",
    "manage_tasks",
    "track_time",
    "manage_clients",
    "manage_invoices",
    "view_reports",
    "manage_plugins",
    "manage_webhooks",
];

/// The rank order of roles: owner 4, admin 3, manager 2, member 1, viewer 0.
fn rank(role: &str) -> u8 {
    match role {
        "owner" => 4,
        "admin" => 3,
        "manager" => 2,
        "member" => 1,
        "viewer" => 0,
        other => panic!("unknown role {other}"),
    }
}

/// The permissions a role grants before overrides.
fn role_permissions(role: &str) -> BTreeSet<&'static str> {
    let perms: &[&'static str] = match role {
        "owner" | "admin" => &PERMISSIONS,
        "manager" => &[
            "manage_projects",
            "manage_tasks",
            "track_time",
            "manage_clients",
            "manage_invoices",
            "view_reports",
        ],
        "member" => &["manage_tasks", "track_time"],
        "viewer" => &[],
        other => panic!("unknown role {other}"),
    };
    perms.iter().copied().collect()
}

/// A membership as the model sees it: a role and the effective permissions.
#[derive(Debug, Clone)]
struct Holder {
    role: &'static str,
    permissions: BTreeSet<&'static str>,
}

impl Holder {
    /// A member with the role's permissions and no overrides.
    fn new(role: &'static str) -> Holder {
        Holder {
            role,
            permissions: role_permissions(role),
        }
    }

    /// The same member with `permission` granted on top.
    fn granted(&self, permission: &'static str) -> Holder {
        let mut holder = self.clone();
        holder.permissions.insert(permission);
        holder
    }

    /// The same member with `permission` revoked.
    fn revoked(&self, permission: &'static str) -> Holder {
        let mut holder = self.clone();
        holder.permissions.remove(permission);
        holder
    }

    /// Whether `self` outranks `actor`: a higher role, or a permission `actor` lacks.
    fn outranks(&self, actor: &Holder) -> bool {
        rank(self.role) > rank(actor.role) || !self.permissions.is_subset(&actor.permissions)
    }

    /// Whether `self` may make someone `result`: only owners make owners, no role ranked above
    /// one's own, no permission one does not hold.
    fn may_give(&self, result: &Holder) -> bool {
        (result.role != "owner" || self.role == "owner")
            && rank(result.role) <= rank(self.role)
            && result.permissions.is_subset(&self.permissions)
    }

    /// Whether `self` (holding `manage_members`) may turn another member from `before` into
    /// `after`.
    fn may_change(&self, before: &Holder, after: &Holder) -> bool {
        !before.outranks(self) && self.may_give(after)
    }

    /// The effective permissions as the API lists them.
    fn names(&self) -> BTreeSet<String> {
        self.permissions.iter().map(|p| (*p).to_owned()).collect()
    }
}

/// Registers a user and returns the client and the user id.
async fn user(server: &Server, email: &str, name: &str) -> (Client, String) {
    server.register_user(email, name).await
}

/// The effective permissions of a member as a set.
fn permissions(member: &Value) -> BTreeSet<String> {
    member["permissions"]
        .as_array()
        .unwrap_or_else(|| panic!("no permissions in {member}"))
        .iter()
        .map(|p| p.as_str().expect("a permission name").to_owned())
        .collect()
}

/// The organization's members by user id, each as `{role, permission_overrides, permissions}`
/// (permissions sorted), as `by` reads them.
async fn members(by: &Client, org_id: &str) -> BTreeMap<String, Value> {
    let resp = by
        .get(
            &format!("/organizations/{org_id}/members?per_page=200"),
            None,
        )
        .await;
    resp.assert_status(200);
    resp.data()
        .as_array()
        .expect("members are a list")
        .iter()
        .map(|m| {
            let user_id = m["user_id"]
                .as_str()
                .expect("a member has user_id")
                .to_owned();
            let state = json!({
                "role": m["role"],
                "permission_overrides": m["permission_overrides"],
                "permissions": permissions(m),
            });
            (user_id, state)
        })
        .collect()
}

/// `POST /organizations/{org_id}/members {email, role}` as `by`.
async fn invite(by: &Client, org_id: &str, email: &str, role: &str) -> Resp {
    by.post(
        &format!("/organizations/{org_id}/members"),
        Some(json!({ "email": email, "role": role })),
    )
    .await
}

/// Compares a response with the model's verdict; a mismatch is described in `wrong`. An allowed
/// change must answer 200 with the model's role and effective permissions, a refused one
/// 403 `FORBIDDEN`.
fn check(wrong: &mut Vec<String>, case: &str, resp: &Resp, allowed: bool, after: &Holder) {
    if allowed {
        if resp.status != 200 {
            wrong.push(format!(
                "{case}: expected 200, got {} {}",
                resp.status, resp.body
            ));
        } else if resp.data()["role"] != after.role || permissions(resp.data()) != after.names() {
            wrong.push(format!(
                "{case}: expected role {} with {:?}, got {}",
                after.role,
                after.names(),
                resp.body
            ));
        }
    } else if resp.status != 403 || resp.error_code() != "FORBIDDEN" {
        wrong.push(format!(
            "{case}: expected 403 FORBIDDEN, got {} {}",
            resp.status, resp.body
        ));
    }
}

both! {
    /// Every actor role (with manage_members) × every target role × every new role, every actor
    /// role × every permission granted to a member and to a viewer, and every actor role ×
    /// every target role revoking track_time: each change succeeds exactly when the model of the
    /// rules allows it (nothing above one's rank or permission set, nobody who outranks one);
    /// members who outrank the actor cannot be removed, equals can; and no refused request
    /// changed anything.
    async fn role_and_permission_matrix(backend: Backend) {
        let server = Server::start(backend).await;
        let (owner, org) = server.register_with_org("olga@example.com", "Olga", "Acme").await;
        let member_path = |user_id: &str| format!("/organizations/{org}/members/{user_id}");

        // One actor per role below owner, each granted manage_members by the owner.
        let mut actors: Vec<(Client, String, Holder)> = Vec::new();
        for role in ACTOR_ROLES {
            let email = format!("actor-{role}@example.com");
            let (client, user_id) = user(&server, &email, &format!("Actor {role}")).await;
            server.join(&owner, &org, &client, &email, role).await;
            let granted = owner
                .patch(&member_path(&user_id), Some(json!({ "permissions": { "manage_members": true } })))
                .await;
            granted.assert_status(200);
            let model = Holder::new(role).granted("manage_members");
            assert_eq!(permissions(granted.data()), model.names(), "{}", granted.body);
            actors.push((client, user_id, model));
        }
        // One target per role.
        let mut targets: Vec<(String, Holder)> = Vec::new();
        for role in ROLES {
            let email = format!("target-{role}@example.com");
            let (client, user_id) = user(&server, &email, &format!("Target {role}")).await;
            let joined = server.join(&owner, &org, &client, &email, role).await;
            assert_eq!(permissions(&joined), Holder::new(role).names(), "{joined}");
            targets.push((user_id, Holder::new(role)));
        }
        let before = members(&owner, &org).await;
        assert_eq!(before.len(), 1 + ACTOR_ROLES.len() + ROLES.len(), "{before:?}");

        let mut wrong = Vec::new();
        let (mut allowed, mut refused) = (0, 0);
        let mut verdict = |ok: bool| if ok { allowed += 1 } else { refused += 1 };

        // Roles: actor × target × new role; every change that went through is undone by the owner.
        for (actor, _, me) in &actors {
            for (target_id, target) in &targets {
                for new_role in ROLES {
                    let after = Holder::new(new_role);
                    let ok = me.may_change(target, &after);
                    verdict(ok);
                    let resp = actor.patch(&member_path(target_id), Some(json!({ "role": new_role }))).await;
                    let case = format!("{} (+manage_members) sets a {}'s role to {new_role}", me.role, target.role);
                    check(&mut wrong, &case, &resp, ok, &after);
                    if resp.status == 200 && new_role != target.role {
                        owner
                            .patch(&member_path(target_id), Some(json!({ "role": target.role })))
                            .await
                            .assert_status(200);
                    }
                }
            }
        }

        // Permissions: actor × permission, granted to the member and to the viewer target.
        for (actor, _, me) in &actors {
            for (target_id, target) in targets.iter().filter(|(_, t)| t.role == "member" || t.role == "viewer") {
                for permission in PERMISSIONS {
                    let after = target.granted(permission);
                    let ok = me.may_change(target, &after);
                    verdict(ok);
                    let resp = actor
                        .patch(&member_path(target_id), Some(json!({ "permissions": { permission: true } })))
                        .await;
                    let case = format!("{} (+manage_members) grants {permission} to a {}", me.role, target.role);
                    check(&mut wrong, &case, &resp, ok, &after);
                    if ok && resp.status == 200 && resp.data()["permission_overrides"] != json!({ permission: true }) {
                        wrong.push(format!("{case}: the override is not recorded: {}", resp.body));
                    }
                    if resp.status == 200 {
                        let reset = owner
                            .patch(&member_path(target_id), Some(json!({ "permissions": { permission: null } })))
                            .await;
                        reset.assert_status(200);
                        assert_eq!(reset.data()["permission_overrides"], json!({}), "{}", reset.body);
                    }
                }
            }
        }

        // Revoking is changing too: nobody touches a member who outranks them, even to take
        // something away (here: track_time, which every role but viewer holds).
        for (actor, _, me) in &actors {
            for (target_id, target) in &targets {
                let after = target.revoked("track_time");
                let ok = me.may_change(target, &after);
                verdict(ok);
                let resp = actor
                    .patch(&member_path(target_id), Some(json!({ "permissions": { "track_time": false } })))
                    .await;
                let case = format!("{} (+manage_members) revokes track_time from a {}", me.role, target.role);
                check(&mut wrong, &case, &resp, ok, &after);
                if resp.status == 200 {
                    owner
                        .patch(&member_path(target_id), Some(json!({ "permissions": { "track_time": null } })))
                        .await
                        .assert_status(200);
                }
            }
        }

        // Removing: refused for every target who outranks the actor.
        for (actor, _, me) in &actors {
            for (target_id, target) in targets.iter().filter(|(_, t)| t.outranks(me)) {
                verdict(false);
                let resp = actor.delete(&member_path(target_id), None).await;
                let case = format!("{} (+manage_members) removes a {}", me.role, target.role);
                check(&mut wrong, &case, &resp, false, target);
            }
        }

        assert!(wrong.is_empty(), "{} of {} cases broke the rules:\n{}", wrong.len(), allowed + refused, wrong.join("\n"));
        assert!(allowed > 0 && refused > 0, "the matrix has both outcomes: {allowed} allowed, {refused} refused");
        assert_eq!(members(&owner, &org).await, before, "after undoing the allowed changes, every membership is as it was");

        // Each actor may remove the target of its own role (equal rank, a subset of its
        // permissions).
        for (actor, _, me) in &actors {
            let (target_id, target) = targets.iter().find(|(_, t)| t.role == me.role).expect("a target per role");
            assert!(!target.outranks(me));
            actor.delete(&member_path(target_id), None).await.assert_status(204);
        }
        let left = members(&owner, &org).await;
        let roles: BTreeMap<&str, usize> = left.values().fold(BTreeMap::new(), |mut acc, m| {
            *acc.entry(m["role"].as_str().unwrap_or_default()).or_default() += 1;
            acc
        });
        assert_eq!(roles, BTreeMap::from([("owner", 2), ("admin", 1), ("manager", 1), ("member", 1), ("viewer", 1)]), "{left:?}");
        for (_, actor_id, _) in &actors {
            assert_eq!(left.get(actor_id), before.get(actor_id), "the actors themselves are unchanged");
        }
    }

    /// The reproduction: a member granted only manage_members cannot set their own role
    /// to admin (or manager, or owner), cannot grant themselves manage_org, manage_plugins or
    /// manage_webhooks, cannot demote, change or remove an admin or the owner, cannot invite above
    /// their rank — and nothing changed. Within their limits they act on a viewer, invite a
    /// member, demote themselves (and then cannot climb back), drop manage_members and leave.
    /// Without manage_members nobody changes or removes others or themselves, but anyone leaves.
    async fn manage_members_alone_is_no_ladder(backend: Backend) {
        let server = Server::start(backend).await;
        let (owner, org) = server.register_with_org("olga@example.com", "Olga", "Acme").await;
        let owner_id = owner.get("/auth/me", None).await.data()["id"].as_str().expect("me.id").to_owned();
        let member_path = |user_id: &str| format!("/organizations/{org}/members/{user_id}");
        let (ada, ada_id) = user(&server, "ada@example.com", "Ada").await;
        let (mallory, mallory_id) = user(&server, "mallory@example.com", "Mallory").await;
        let (vic, vic_id) = user(&server, "vic@example.com", "Vic").await;
        let (bob, bob_id) = user(&server, "bob@example.com", "Bob").await;
        server.join(&owner, &org, &ada, "ada@example.com", "admin").await;
        server.join(&owner, &org, &mallory, "mallory@example.com", "member").await;
        server.join(&owner, &org, &vic, "vic@example.com", "viewer").await;
        server.join(&owner, &org, &bob, "bob@example.com", "member").await;
        let granted = owner
            .patch(&member_path(&mallory_id), Some(json!({ "permissions": { "manage_members": true } })))
            .await;
        granted.assert_status(200);
        assert_eq!(permissions(granted.data()), Holder::new("member").granted("manage_members").names(), "{}", granted.body);
        let before = members(&owner, &org).await;

        let refused: Vec<(&str, String, Value)> = vec![
            // Climbing.
            ("PATCH", member_path(&mallory_id), json!({ "role": "admin" })),
            ("PATCH", member_path(&mallory_id), json!({ "role": "manager" })),
            ("PATCH", member_path(&mallory_id), json!({ "role": "owner" })),
            ("PATCH", member_path(&mallory_id), json!({ "permissions": { "manage_org": true } })),
            ("PATCH", member_path(&mallory_id), json!({ "permissions": { "manage_plugins": true } })),
            ("PATCH", member_path(&mallory_id), json!({ "permissions": { "manage_webhooks": true } })),
            ("PATCH", member_path(&mallory_id), json!({ "permissions": { "manage_org": true, "manage_plugins": true, "manage_webhooks": true } })),
            ("PATCH", member_path(&mallory_id), json!({ "permissions": { "view_reports": true } })),
            // Trading a permission held for one not held is still gaining one.
            ("PATCH", member_path(&mallory_id), json!({ "permissions": { "track_time": false, "manage_invoices": true } })),
            // Demoting or changing the admin and the owner.
            ("PATCH", member_path(&ada_id), json!({ "role": "member" })),
            ("PATCH", member_path(&ada_id), json!({ "role": "viewer" })),
            ("PATCH", member_path(&ada_id), json!({ "permissions": { "manage_org": false } })),
            ("PATCH", member_path(&ada_id), json!({ "permissions": { "manage_members": false } })),
            ("DELETE", member_path(&ada_id), Value::Null),
            ("PATCH", member_path(&owner_id), json!({ "role": "admin" })),
            ("DELETE", member_path(&owner_id), Value::Null),
            // Lifting others above herself.
            ("PATCH", member_path(&vic_id), json!({ "role": "manager" })),
            ("PATCH", member_path(&bob_id), json!({ "role": "admin" })),
            ("PATCH", member_path(&bob_id), json!({ "permissions": { "manage_org": true } })),
            ("PATCH", member_path(&vic_id), json!({ "permissions": { "manage_webhooks": true } })),
            // Inviting above her rank.
            ("POST", format!("/organizations/{org}/members"), json!({ "email": "crony1@example.com", "role": "admin" })),
            ("POST", format!("/organizations/{org}/members"), json!({ "email": "crony2@example.com", "role": "manager" })),
            ("POST", format!("/organizations/{org}/members"), json!({ "email": "crony3@example.com", "role": "owner" })),
        ];
        for (method, path, body) in refused {
            let body = (!body.is_null()).then_some(body);
            let resp = mallory.json(method, &path, body.clone()).await;
            assert_eq!((resp.status, resp.error_code()), (403, "FORBIDDEN"), "{method} {path} {body:?}: {}", resp.body);
        }
        assert_eq!(members(&owner, &org).await, before, "no refused request changed a membership");
        let log = server.log();
        for crony in ["crony1@example.com", "crony2@example.com", "crony3@example.com"] {
            assert_eq!(find_mailed_token(&log, crony, "accept-invitation?token="), None, "a refused invitation mails nothing to {crony}");
        }
        // Ada still administers the organization.
        ada.patch(&format!("/organizations/{org}"), Some(json!({ "name": "Acme Inc" }))).await.assert_status(200);

        // Within her limits: a viewer up to member and back, a member invited.
        let up = mallory.patch(&member_path(&vic_id), Some(json!({ "role": "member" }))).await;
        assert_eq!(up.assert_status(200).data()["role"], "member", "{}", up.body);
        let down = mallory.patch(&member_path(&vic_id), Some(json!({ "role": "viewer" }))).await;
        assert_eq!(down.assert_status(200).data()["role"], "viewer", "{}", down.body);
        let invited = invite(&mallory, &org, "helper@example.com", "member").await;
        invited.assert_status(201);
        assert_eq!(invited.data()["invitation"]["role"], "member", "{}", invited.body);

        // Demoting herself is fine; climbing back is not; bob now outranks her.
        let demoted = mallory.patch(&member_path(&mallory_id), Some(json!({ "role": "viewer" }))).await;
        demoted.assert_status(200);
        assert_eq!(demoted.data()["role"], "viewer", "{}", demoted.body);
        assert_eq!(permissions(demoted.data()), Holder::new("viewer").granted("manage_members").names(), "{}", demoted.body);
        mallory.patch(&member_path(&mallory_id), Some(json!({ "role": "member" }))).await.assert_error(403, "FORBIDDEN");
        mallory.patch(&member_path(&mallory_id), Some(json!({ "permissions": { "track_time": true } }))).await.assert_error(403, "FORBIDDEN");
        mallory.patch(&member_path(&bob_id), Some(json!({ "role": "viewer" }))).await.assert_error(403, "FORBIDDEN");
        mallory.delete(&member_path(&bob_id), None).await.assert_error(403, "FORBIDDEN");
        invite(&mallory, &org, "helper2@example.com", "member").await.assert_error(403, "FORBIDDEN");
        // An equal she may still remove.
        mallory.delete(&member_path(&vic_id), None).await.assert_status(204);

        // She gives up manage_members, and with it every action on members but leaving.
        let plain = mallory
            .patch(&member_path(&mallory_id), Some(json!({ "permissions": { "manage_members": false } })))
            .await;
        plain.assert_status(200);
        assert_eq!(permissions(plain.data()), BTreeSet::new(), "{}", plain.body);
        mallory
            .patch(&member_path(&mallory_id), Some(json!({ "permissions": { "manage_members": true } })))
            .await
            .assert_error(403, "FORBIDDEN");

        // Bob, a plain member, acts on nobody, not even himself — but may leave.
        bob.patch(&member_path(&mallory_id), Some(json!({ "role": "member" }))).await.assert_error(403, "FORBIDDEN");
        bob.patch(&member_path(&bob_id), Some(json!({ "role": "viewer" }))).await.assert_error(403, "FORBIDDEN");
        bob.delete(&member_path(&mallory_id), None).await.assert_error(403, "FORBIDDEN");
        invite(&bob, &org, "helper3@example.com", "viewer").await.assert_error(403, "FORBIDDEN");
        let now = members(&owner, &org).await;
        assert_eq!(now.get(&bob_id), before.get(&bob_id), "{now:?}");
        assert_eq!(now.get(&ada_id), before.get(&ada_id), "{now:?}");
        assert_eq!(now.get(&owner_id), before.get(&owner_id), "{now:?}");
        assert_eq!(now[&mallory_id]["role"], "viewer", "{now:?}");

        mallory.delete(&member_path(&mallory_id), None).await.assert_status(204);
        bob.delete(&member_path(&bob_id), None).await.assert_status(204);
        let left: BTreeSet<String> = members(&owner, &org).await.into_keys().collect();
        assert_eq!(left, BTreeSet::from([owner_id, ada_id]));
    }

    /// Invitations stay within the inviter's own rank and permissions: an admin whose manage_org
    /// is revoked cannot invite an admin (nor an owner) but can invite a manager, who joins as
    /// one; nor may she promote a manager to admin or grant manage_org. A manager with
    /// manage_members cannot invite an admin or an owner but can invite a manager or a member.
    /// Refused invitations mail nothing.
    async fn invitations_within_own_rank(backend: Backend) {
        let server = Server::start(backend).await;
        let (owner, org) = server.register_with_org("olga@example.com", "Olga", "Acme").await;
        let member_path = |user_id: &str| format!("/organizations/{org}/members/{user_id}");
        let (ada, ada_id) = user(&server, "ada@example.com", "Ada").await;
        let (max, max_id) = user(&server, "max@example.com", "Max").await;
        server.join(&owner, &org, &ada, "ada@example.com", "admin").await;
        server.join(&owner, &org, &max, "max@example.com", "manager").await;

        let ada_model = Holder::new("admin").revoked("manage_org");
        let revoked = owner.patch(&member_path(&ada_id), Some(json!({ "permissions": { "manage_org": false } }))).await;
        revoked.assert_status(200);
        assert_eq!(permissions(revoked.data()), ada_model.names(), "{}", revoked.body);
        let max_model = Holder::new("manager").granted("manage_members");
        let granted = owner.patch(&member_path(&max_id), Some(json!({ "permissions": { "manage_members": true } }))).await;
        granted.assert_status(200);
        assert_eq!(permissions(granted.data()), max_model.names(), "{}", granted.body);

        // Ada: no admins, no owners; a manager and a viewer are fine and join as such.
        invite(&ada, &org, "new-admin@example.com", "admin").await.assert_error(403, "FORBIDDEN");
        invite(&ada, &org, "new-owner@example.com", "owner").await.assert_error(403, "FORBIDDEN");
        let (mia, mia_id) = user(&server, "mia@example.com", "Mia").await;
        let joined = server.join(&ada, &org, &mia, "mia@example.com", "manager").await;
        assert_eq!(permissions(&joined), Holder::new("manager").names(), "{joined}");
        let (vera, _) = user(&server, "vera@example.com", "Vera").await;
        server.join(&ada, &org, &vera, "vera@example.com", "viewer").await;
        // Nor may she make an admin of an existing member, or grant what she lacks.
        ada.patch(&member_path(&mia_id), Some(json!({ "role": "admin" }))).await.assert_error(403, "FORBIDDEN");
        ada.patch(&member_path(&mia_id), Some(json!({ "permissions": { "manage_org": true } }))).await.assert_error(403, "FORBIDDEN");
        ada.patch(&member_path(&ada_id), Some(json!({ "permissions": { "manage_org": null } }))).await.assert_error(403, "FORBIDDEN");
        // What she holds she may grant.
        let plugins = ada.patch(&member_path(&mia_id), Some(json!({ "permissions": { "manage_plugins": true } }))).await;
        plugins.assert_status(200);
        assert_eq!(permissions(plugins.data()), Holder::new("manager").granted("manage_plugins").names(), "{}", plugins.body);

        // Max: no admins, no owners; managers and members are fine.
        invite(&max, &org, "max-admin@example.com", "admin").await.assert_error(403, "FORBIDDEN");
        invite(&max, &org, "max-owner@example.com", "owner").await.assert_error(403, "FORBIDDEN");
        let (ned, _) = user(&server, "ned@example.com", "Ned").await;
        let joined = server.join(&max, &org, &ned, "ned@example.com", "manager").await;
        assert_eq!(permissions(&joined), Holder::new("manager").names(), "{joined}");
        let member = invite(&max, &org, "max-member@example.com", "member").await;
        member.assert_status(201);
        assert_eq!(member.data()["status"], "invited", "{}", member.body);
        assert_eq!(member.data()["invitation"]["role"], "member", "{}", member.body);
        // Mia now holds manage_plugins, which max lacks: she outranks him.
        max.patch(&member_path(&mia_id), Some(json!({ "role": "member" }))).await.assert_error(403, "FORBIDDEN");

        // The refused invitations mailed nothing; the organization still has one admin and one
        // owner.
        let log = server.log();
        for email in ["new-admin@example.com", "new-owner@example.com", "max-admin@example.com", "max-owner@example.com"] {
            assert_eq!(find_mailed_token(&log, email, "accept-invitation?token="), None, "{email} was mailed an invitation");
        }
        let roles: BTreeMap<String, Value> = members(&owner, &org)
            .await
            .into_iter()
            .map(|(id, m)| (id, m["role"].clone()))
            .collect();
        assert_eq!(roles.values().filter(|r| *r == "admin").count(), 1, "{roles:?}");
        assert_eq!(roles.values().filter(|r| *r == "owner").count(), 1, "{roles:?}");
    }
}
