//! The check catalogue: one [`CheckSpec`] row per check, each beside its `decide` function in its
//! family's file. A row holds everything about a check: its title and question, the rule and the
//! Microsoft pages behind it, the reads it looks at, when the engine may decide it, how evidence
//! from an error response meets its live decision, and the pure function that decides it
//! (evidence in, [`CheckResult`] out). The engine walks [`CATALOGUE`] and knows no check by name.
//!
//! | id | row in |
//! |---|---|
//! | `token.format` … `token.tenant` | [`token`] |
//! | `ca.claims`, `exchange.policy` | [`challenge`] |
//! | `auth.flow`, `auth.consent`, `auth.permission` | [`auth`] |
//! | `group.exists` … `group.restricted_au` | [`group`] |
//! | `member.object`, `member.duplicate`, `au.target` | [`member`] |
//! | `user.role` | [`role`] |
//! | `license.tenant`, `license.user` | [`license`] |
//! | `request.consent`, `request.permission` | [`request`] |

pub mod auth;
pub mod challenge;
pub mod evidence;
pub mod facts;
pub mod fixes;
pub mod group;
pub mod license;
pub mod member;
pub mod request;
pub mod role;
pub mod token;

use std::collections::HashMap;

use evidence::{Ctx, Read, ReadKey};

use crate::report::{CheckId, CheckResult, Operation, Report};

const DOC_ADD_MEMBERS: &str = "https://learn.microsoft.com/graph/api/group-post-members";
const DOC_GROUPS: &str = "https://learn.microsoft.com/graph/api/resources/groups-overview";
const DOC_AUTH_ERRORS: &str = "https://learn.microsoft.com/graph/resolve-auth-errors";
const DOC_AU_ADD: &str = "https://learn.microsoft.com/graph/api/administrativeunit-post-members";

/// Everything about one check. The stable id and the catalogue order are [`CheckId`]'s (the
/// report contract); the rest is here.
pub struct CheckSpec {
    pub id: CheckId,
    /// Shown in reports and the wizard's step list.
    pub title: &'static str,
    /// The question the check answers.
    pub question: &'static str,
    /// The rule behind the check, in a sentence or two (empty when `decide` words it per case).
    pub rule: &'static str,
    /// Microsoft's pages for the rule (empty when `decide` chooses them per case).
    pub docs: &'static [&'static str],
    /// The reads the check looks at.
    pub needs: &'static [ReadKey],
    pub schedule: Schedule,
    pub merge: Merge,
    pub decide: fn(&Ctx<'_>) -> CheckResult,
    /// When Graph answered the diagnosed token itself with a 401 (no claims challenge): a new
    /// decision taken from that answer, given the decisions so far (`None` keeps the live one).
    pub on_refusal: Option<Revisit>,
}

/// Decides a check again from Graph's 401 to the diagnosed token, given the decisions so far.
pub type Revisit = fn(&Read, &HashMap<CheckId, CheckResult>) -> Option<CheckResult>;

/// When the engine may decide a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// As soon as every read in `needs` is in.
    OnReads,
    /// As `OnReads`, and only once every detail read is in too: each administrative unit's
    /// details, each PIM-eligible group's roles (which ones there are is known only from the
    /// listing before them).
    AfterDetails,
    /// Only once every read is in (for example: any answer to the token may carry a challenge).
    AfterAllReads,
}

/// How a decision read from an error response (the pasted `--error-file`, or Graph's own 401 to
/// the diagnosed token) meets the live decision of the same check.
#[derive(Debug, Clone, Copy)]
pub enum Merge {
    /// Replaces a live decision that could not be made (`unknown`, `skipped`); otherwise only
    /// adds its evidence.
    FillsGaps,
    /// A failure replaces a live pass too (the response shows what live reads cannot), unless
    /// `unless(live)` says the live check already weighed the same evidence.
    FailureWins {
        unless: Option<fn(&CheckResult) -> bool>,
    },
    /// Like `FillsGaps` for a pasted response; a failure in Graph's own answer to the diagnosed
    /// token replaces a live pass (Graph's verdict on its token is final).
    GraphAnswerWins,
}

/// Every check, in catalogue (wizard) order: the same order as [`CheckId::ALL`].
pub static CATALOGUE: [&CheckSpec; 24] = [
    &token::TOKEN_FORMAT,
    &token::TOKEN_ACCOUNT,
    &token::TOKEN_AUDIENCE,
    &token::TOKEN_LIFETIME,
    &token::TOKEN_TENANT,
    &challenge::CA_CLAIMS,
    &challenge::EXCHANGE_POLICY,
    &auth::AUTH_FLOW,
    &auth::AUTH_CONSENT,
    &auth::AUTH_PERMISSION,
    &group::GROUP_EXISTS,
    &group::GROUP_TYPE,
    &group::GROUP_DYNAMIC,
    &group::GROUP_SYNCED,
    &group::GROUP_ROLE_ASSIGNABLE,
    &group::GROUP_RESTRICTED_AU,
    &member::MEMBER_OBJECT,
    &member::MEMBER_DUPLICATE,
    &member::AU_TARGET,
    &role::USER_ROLE,
    &license::LICENSE_TENANT,
    &license::LICENSE_USER,
    &request::REQUEST_CONSENT,
    &request::REQUEST_PERMISSION,
];

/// The row of check `id`.
pub fn spec(id: CheckId) -> &'static CheckSpec {
    // CATALOGUE is in CheckId order (a test holds it), so the position is the index.
    let i = CheckId::ALL.iter().position(|c| *c == id).unwrap_or(0);
    CATALOGUE[i]
}

/// Fills the title, the rule and the docs of a result where its decide function did not.
pub fn finish(mut r: CheckResult) -> CheckResult {
    let spec = spec(r.id);
    r = titled(r);
    if r.explanation.is_empty() {
        r.explanation = spec.rule.to_string();
    }
    if r.docs.is_empty() {
        r.docs = spec.docs.iter().map(|d| d.to_string()).collect();
    }
    r
}

/// Fills the title of a result that has none.
pub fn titled(mut r: CheckResult) -> CheckResult {
    if r.title.is_empty() {
        r.title = spec(r.id).title.to_string();
    }
    r
}

/// A report from decided checks ([`Report::from_checks`]), every check titled.
pub fn report(operation: Operation, checks: Vec<CheckResult>) -> Report {
    let mut report = Report::from_checks(operation, checks);
    for c in report.checks.iter_mut() {
        if c.title.is_empty() {
            c.title = spec(c.id).title.to_string();
        }
    }
    report
}

/// Decides check `id` from the evidence in `ctx`. For a generic request (`check --request`) the
/// checks of the deep operations do not apply: only the token checks, the challenges and the
/// `request.*` checks decide; the rest say `skipped`.
pub fn decide(id: CheckId, ctx: &Ctx) -> CheckResult {
    if ctx.op.kind == crate::report::OperationKind::Request && !applies_to_requests(id) {
        return finish(CheckResult::skipped(
            id,
            "Not for a generic request: request.consent and request.permission judge its permissions from Microsoft's permissions map.",
        ));
    }
    finish((spec(id).decide)(ctx))
}

/// The checks that decide a generic request: what the token says, the challenges Graph may
/// send to any request, and the `request.*` family.
pub fn applies_to_requests(id: CheckId) -> bool {
    id.as_str().starts_with("token.")
        || matches!(id, CheckId::CaClaims | CheckId::ExchangePolicy)
        || request::is_request_check(id)
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Hand-built evidence for the decide functions' unit tests.

    use std::collections::HashMap;

    use serde_json::{json, Value};

    use crate::auth::jwt::mint;
    use crate::auth::Cloud;
    use crate::checks::evidence::TokenAnalysis;
    use crate::checks::evidence::{Challenge, Ctx, Read, ReadKey};
    use crate::report::{Operation, OperationKind};
    use crate::secret::Secret;

    pub const NOW: i64 = 1_900_000_000;
    pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
    pub const APP: &str = "22222222-2222-2222-2222-222222222222";
    pub const OID: &str = "33333333-3333-3333-3333-333333333333";
    pub const GROUP: &str = "44444444-4444-4444-4444-444444444444";
    pub const MEMBER: &str = "55555555-5555-5555-5555-555555555555";
    pub const AU: &str = "66666666-6666-6666-6666-666666666666";
    pub const SP: &str = "77777777-7777-7777-7777-777777777777";

    /// A world of evidence to decide from.
    pub struct World {
        pub op: Operation,
        pub token: TokenAnalysis,
        pub reads: HashMap<ReadKey, Read>,
        pub challenges: Vec<Challenge>,
        pub observed: Option<crate::graph::observed::Observed>,
        pub has_reader: bool,
    }

    pub fn delegated(scp: &str, wids: &[&str]) -> TokenAnalysis {
        TokenAnalysis::new(
            &Secret::new(mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": OID, "appid": APP, "scp": scp, "wids": wids, "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        )
    }

    pub fn app_only(roles: &[&str]) -> TokenAnalysis {
        TokenAnalysis::new(
            &Secret::new(mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": SP, "appid": APP, "roles": roles, "idtyp": "app", "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        )
    }

    /// Role assignments as Graph lists them: `(template, scope)`; a scope other than `/` is an
    /// administrative unit id.
    fn assignments(roles: &[(&str, &str)]) -> Value {
        let v: Vec<Value> = roles
            .iter()
            .map(|(template, scope)| {
                let scope = if *scope == "/" {
                    "/".to_string()
                } else {
                    format!("/administrativeUnits/{scope}")
                };
                json!({"roleDefinitionId": template, "directoryScopeId": scope})
            })
            .collect();
        Value::Array(v)
    }

    /// An app-only token whose `wids` lists these role templates.
    pub fn app_only_with_wids(roles: &[&str], wids: &[&str]) -> TokenAnalysis {
        TokenAnalysis::new(
            &Secret::new(mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": SP, "appid": APP, "roles": roles, "wids": wids, "idtyp": "app", "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        )
    }

    impl World {
        pub fn new(token: TokenAnalysis) -> World {
            World {
                op: Operation {
                    kind: OperationKind::AddGroupMember,
                    group: Some(GROUP.into()),
                    member: Some(MEMBER.into()),
                    au: None,
                    request: None,
                },
                token,
                reads: HashMap::new(),
                challenges: Vec::new(),
                observed: None,
                has_reader: false,
            }
        }

        pub fn au_op(mut self, kind: OperationKind) -> World {
            self.op = Operation {
                kind,
                group: None,
                member: kind.on_au_members().then(|| MEMBER.to_string()),
                au: Some(AU.into()),
                request: None,
            };
            self
        }

        pub fn answer(mut self, key: ReadKey, status: u16, body: Value) -> World {
            let request = format!("GET /v1.0/{}", key.rule_id());
            self.reads
                .insert(key.clone(), Read::answered(key, request, status, body));
            self
        }

        pub fn denied(self, key: ReadKey) -> World {
            self.answer(key, 403, json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}))
        }

        pub fn group(self, body: Value) -> World {
            let mut b = json!({"id": GROUP, "displayName": "Sales", "groupTypes": [], "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": null, "membershipRule": null, "onPremisesSyncEnabled": null});
            if let (Some(base), Some(extra)) = (b.as_object_mut(), body.as_object()) {
                for (k, v) in extra {
                    base.insert(k.clone(), v.clone());
                }
            }
            self.answer(ReadKey::Group, 200, b)
        }

        pub fn values(self, key: ReadKey, values: Value) -> World {
            self.answer(key, 200, json!({"value": values}))
        }

        /// The caller's active role assignments: `(role template, scope)`, scope `/` or an AU id.
        pub fn assigned(self, roles: &[(&str, &str)]) -> World {
            self.values(ReadKey::RoleAssignments, assignments(roles))
        }

        /// The caller's PIM-eligible roles, as [`World::assigned`].
        pub fn eligible(self, roles: &[(&str, &str)]) -> World {
            self.values(ReadKey::RoleEligibility, assignments(roles))
        }

        /// The administrative units holding the group: `(id, restricted)`, named "HR".
        pub fn in_units(self, units: &[(&str, bool)]) -> World {
            let v: Vec<Value> = units
                .iter()
                .map(|(id, restricted)| json!({"id": id, "displayName": "HR", "isMemberManagementRestricted": restricted}))
                .collect();
            self.values(ReadKey::GroupAus, Value::Array(v))
        }

        /// The tenant's subscriptions: `(skuPartNumber, service plan ids)`, all enabled.
        pub fn skus(self, skus: &[(&str, &[&str])]) -> World {
            let v: Vec<Value> = skus
                .iter()
                .map(|(part, plans)| {
                    let plans: Vec<Value> =
                        plans.iter().map(|p| json!({"servicePlanId": p})).collect();
                    json!({"skuPartNumber": part, "capabilityStatus": "Enabled", "servicePlans": plans})
                })
                .collect();
            self.values(ReadKey::SubscribedSkus, Value::Array(v))
        }

        /// A delegated caller who owns nothing and holds no directory role (active or listed).
        pub fn no_standing(self) -> World {
            self.values(ReadKey::GroupOwners, json!([]))
                .values(ReadKey::MeRoles, json!([]))
        }

        /// The member read: its `@odata.type` (e.g. `group`) and extra properties.
        pub fn member(self, odata_type: &str, props: Value) -> World {
            let mut b = json!({"@odata.type": format!("#microsoft.graph.{odata_type}")});
            if let (Some(base), Some(extra)) = (b.as_object_mut(), props.as_object()) {
                for (k, v) in extra {
                    base.insert(k.clone(), v.clone());
                }
            }
            self.answer(ReadKey::Member, 200, b)
        }

        pub fn ctx(&self) -> Ctx<'_> {
            Ctx {
                op: &self.op,
                cloud: Cloud::Global,
                token: &self.token,
                reads: &self.reads,
                challenges: &self.challenges,
                diagnosed_answers: self.reads.len(),
                observed: self.observed.as_ref(),
                expected_tenant: None,
                has_reader: self.has_reader,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_in_check_order_and_every_row_is_complete() {
        assert_eq!(CATALOGUE.len(), CheckId::ALL.len());
        for (row, id) in CATALOGUE.iter().zip(CheckId::ALL) {
            assert_eq!(row.id, id, "row out of order");
            assert_eq!(spec(id).id, id);
            assert!(!row.title.is_empty() && !row.question.is_empty(), "{id}");
            assert!(row.question.ends_with('?'), "{id}: a question");
            // Token checks word their rule per case; every other row carries its own.
            if !id.as_str().starts_with("token.") {
                assert!(!row.rule.is_empty() && !row.docs.is_empty(), "{id}");
            }
            for d in row.docs {
                assert!(d.starts_with("https://learn.microsoft.com/"), "{id}: {d}");
            }
        }
    }

    #[test]
    fn finish_fills_title_rule_and_docs_but_keeps_what_decide_set() {
        let r = finish(CheckResult::new(
            CheckId::GroupType,
            crate::report::Status::Pass,
            "ok",
        ));
        assert_eq!(r.title, GROUP_TYPE_TITLE);
        assert_eq!(r.explanation, spec(CheckId::GroupType).rule);
        assert_eq!(r.docs.len(), spec(CheckId::GroupType).docs.len());
        let mut own = CheckResult::new(CheckId::GroupType, crate::report::Status::Pass, "ok");
        own.explanation = "mine".into();
        assert_eq!(finish(own).explanation, "mine");
    }

    const GROUP_TYPE_TITLE: &str = "Group type can be managed through Microsoft Graph";
}
