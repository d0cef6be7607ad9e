//! The live engine driven through its library API alone, as the control
//! plane will drive it: no `strata` process, credentials handed over in
//! [`Settings`] rather than read from the environment. On moto: preview →
//! apply (what the preview announced is what is made) → preview again
//! (nothing to do) → drift (in sync) → destroy → nothing tagged remains.

#[allow(dead_code)] // shared with the other test binaries
mod common;
#[allow(dead_code)]
#[path = "common/moto.rs"]
mod moto;

use std::sync::Arc;

use common::root;
use moto::Moto;
use strata_aws::engine::{self, Action};
use strata_aws::preview::{self, Change};
use strata_aws::{Cx, Journal, Settings, StaticKeys};
use strata_model::Ident;

#[test]
fn apply_drift_destroy_through_the_library_api() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    let text = std::fs::read(root().join("examples/ecs-fargate-aurora/strata.yaml")).unwrap();
    let loaded = strata_spec::load("strata.yaml", &text);
    let plan = strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap();
    let env = Ident::new("dev").unwrap();
    let graph = plan.only(&env).graph;
    let journal = Arc::new(Journal::open(&dir.path().join("state.db")).unwrap());
    journal.claim("dev", &plan.app).unwrap();
    let settings = Settings {
        endpoint_url: Some(moto.url.clone()),
        region: Some("eu-west-1".into()),
        credentials: Some(StaticKeys {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            session_token: None,
        }),
        ..Settings::default()
    };
    assert!(!format!("{settings:?}").contains("secret_access_key: \"testing\""));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let connect = |command: &'static str| {
            let (settings, journal) = (settings.clone(), journal.clone());
            async move {
                Arc::new(
                    Cx::new(&settings, journal, "dev", command)
                        .await
                        .expect("moto answers"),
                )
            }
        };
        let cx = connect("apply").await;
        assert_eq!(cx.account, moto::ACCOUNT);

        let before = preview::preview(cx.clone(), &graph, 16, false)
            .await
            .unwrap();
        let announced = before.counts();
        assert!(announced.create > 100, "{announced:?}");
        assert_eq!(
            (announced.update, announced.replace, announced.delete),
            (0, 0, 0)
        );
        assert!(
            before
                .resources
                .iter()
                .any(|(a, c)| a.to_string() == "dev.network.aws_vpc.main" && *c == Change::Create)
        );
        assert_eq!(
            moto.inventory(),
            serde_json::json!([]),
            "a preview makes nothing"
        );

        let events = std::sync::atomic::AtomicUsize::new(0);
        let report = engine::apply(cx.clone(), &graph, 8, false, &|_| {
            events.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .await
        .unwrap();
        assert!(!report.failed(), "{:?}", report.counts());
        let created = report
            .results
            .iter()
            .filter(|(_, a)| *a == Action::Created)
            .count();
        assert_eq!(created, announced.create, "the preview announced the apply");
        assert!(
            events.into_inner() >= 2 * created,
            "progress reaches the sink"
        );

        let cx = connect("apply").await;
        let again = preview::preview(cx.clone(), &graph, 16, false)
            .await
            .unwrap()
            .counts();
        assert_eq!(
            (again.create, again.update, again.replace, again.delete),
            (0, 0, 0, 0),
            "{again:?}"
        );
        assert_eq!(again.unchanged, announced.create);

        let cx = connect("drift").await;
        let drift = engine::drift(cx, &graph, 16).await.unwrap();
        assert!(drift.drifted.is_empty(), "{:?}", drift.drifted);
        assert_eq!(drift.compared, announced.create);

        let cx = connect("destroy").await;
        let gone = engine::destroy(cx.clone(), &graph, true, 8, &|_| {})
            .await
            .unwrap();
        assert!(!gone.failed(), "{:?}", gone.counts());
        let left = engine::remaining(cx, &graph, &plan.app).await.unwrap();
        assert!(left.left.is_empty(), "{:?}", left.left);
    });
}
