//! The crash-safe journal: SQLite, embedded. Every mutating call writes its
//! intent before it is made and its outcome after; every resource the engine
//! owns has a row with its physical id and outputs. A run killed between the
//! two writes leaves an intent without an outcome, which the next run reports
//! and resolves by adopting what exists (found by tag or name) instead of
//! creating it again.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use strata_model::Value;

use crate::error::{Error, Result};
use crate::value::{from_json, to_json};

/// One resource the engine owns.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned {
    /// Address in the graph.
    pub address: String,
    /// Kind name (`aws_vpc`).
    pub kind: String,
    /// Physical id (`vpc-…`, an ARN, a name).
    pub id: String,
    /// Computed attributes other resources refer to (`id`, `arn`, …).
    pub outputs: BTreeMap<String, Value>,
    /// Addresses it depended on when last applied (empty in journals
    /// written before they were recorded).
    pub needs: Vec<String>,
}

/// One mutating run (apply, drift --fix, destroy) per environment and state
/// file at a time: two at once would each create what the other has not
/// journalled yet. An OS file lock beside the journal, held until dropped
/// and released by the OS when the process dies, so a killed run never
/// leaves it stuck.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
    /// The lock file.
    pub path: PathBuf,
}

impl RunLock {
    /// Takes the lock of `env` beside the journal at `state`, or says who
    /// holds it.
    pub fn acquire(state: &Path, env: &str, command: &str) -> Result<Self> {
        let path = state.with_extension(format!("{env}.lock"));
        let io = |e: std::io::Error| Error::Invalid(format!("lock {}: {e}", path.display()));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        if !fs4::fs_std::FileExt::try_lock_exclusive(&file).map_err(io)? {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(Error::Locked {
                env: env.to_owned(),
                holder: holder.trim().to_owned(),
                path,
            });
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "`{command}` by process {}", std::process::id()).map_err(io)?;
        Ok(Self { _file: file, path })
    }
}

/// The journal of one state directory.
pub struct Journal {
    conn: Mutex<Connection>,
}

impl Journal {
    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// A journal held in memory (for tests of the engine's bookkeeping).
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self> {
        // WAL + FULL: an outcome written is an outcome kept, even when the
        // process is killed right after.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS resources (
                env TEXT NOT NULL,
                address TEXT NOT NULL,
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                outputs TEXT NOT NULL,
                needs TEXT NOT NULL DEFAULT '[]',
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                PRIMARY KEY (env, address)
            );
            CREATE TABLE IF NOT EXISTS runs (
                run INTEGER PRIMARY KEY AUTOINCREMENT,
                env TEXT NOT NULL,
                command TEXT NOT NULL,
                started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                finished_at TEXT,
                outcome TEXT
            );
            CREATE TABLE IF NOT EXISTS apps (
                env TEXT PRIMARY KEY,
                app TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS preexisting (
                env TEXT NOT NULL,
                address TEXT NOT NULL,
                PRIMARY KEY (env, address)
            );
            CREATE TABLE IF NOT EXISTS calls (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                run INTEGER NOT NULL,
                address TEXT NOT NULL,
                op TEXT NOT NULL,
                phase TEXT NOT NULL,
                detail TEXT,
                at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
            );",
        )?;
        // Journals from before dependencies were recorded.
        let has_needs = conn
            .prepare("SELECT 1 FROM pragma_table_info('resources') WHERE name = 'needs'")?
            .exists([])?;
        if !has_needs {
            conn.execute_batch(
                "ALTER TABLE resources ADD COLUMN needs TEXT NOT NULL DEFAULT '[]'",
            )?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (every
        // statement is its own transaction), so a poisoned lock is usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a run; its number tags every call it journals.
    pub fn start_run(&self, env: &str, command: &str) -> Result<i64> {
        let c = self.lock();
        c.execute(
            "INSERT INTO runs (env, command) VALUES (?1, ?2)",
            params![env, command],
        )?;
        Ok(c.last_insert_rowid())
    }

    /// Ends a run with its outcome.
    pub fn finish_run(&self, run: i64, outcome: &str) -> Result<()> {
        self.lock().execute(
            "UPDATE runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), outcome = ?2 WHERE run = ?1",
            params![run, outcome],
        )?;
        Ok(())
    }

    /// Records the intent of a mutating call; returns its sequence number.
    pub fn intent(&self, run: i64, address: &str, op: &str) -> Result<i64> {
        let c = self.lock();
        c.execute(
            "INSERT INTO calls (run, address, op, phase) VALUES (?1, ?2, ?3, 'intent')",
            params![run, address, op],
        )?;
        Ok(c.last_insert_rowid())
    }

    /// Records the outcome of the call `seq`.
    pub fn outcome(&self, seq: i64, ok: bool, detail: &str) -> Result<()> {
        self.lock().execute(
            "UPDATE calls SET phase = ?2, detail = ?3 WHERE seq = ?1",
            params![seq, if ok { "done" } else { "failed" }, detail],
        )?;
        Ok(())
    }

    /// Calls that recorded an intent and never an outcome: the process died
    /// while they were in flight. `(address, op)`, oldest first.
    pub fn interrupted(&self, env: &str) -> Result<Vec<(String, String)>> {
        let c = self.lock();
        let mut st = c.prepare(
            "SELECT calls.address, calls.op FROM calls JOIN runs USING (run)
             WHERE runs.env = ?1 AND calls.phase = 'intent' ORDER BY calls.seq",
        )?;
        let rows = st
            .query_map(params![env], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Marks interrupted calls of `env` as settled once the run that follows
    /// has reconciled their resources.
    pub fn settle_interrupted(&self, env: &str, run: i64) -> Result<usize> {
        let n = self.lock().execute(
            "UPDATE calls SET phase = 'settled', detail = 'reconciled by run ' || ?2
             WHERE phase = 'intent' AND run IN (SELECT run FROM runs WHERE env = ?1) AND run <> ?2",
            params![env, run],
        )?;
        Ok(n)
    }

    /// Records (or replaces) an owned resource.
    pub fn own(&self, env: &str, r: &Owned) -> Result<()> {
        self.lock().execute(
            "INSERT INTO resources (env, address, kind, id, outputs, needs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (env, address) DO UPDATE SET kind = ?3, id = ?4, outputs = ?5,
               needs = ?6, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
            params![
                env,
                r.address,
                r.kind,
                r.id,
                serde_json::to_string(&to_json(&Value::Map(r.outputs.clone()))).unwrap_or_default(),
                serde_json::to_string(&r.needs).unwrap_or_else(|_| "[]".into())
            ],
        )?;
        Ok(())
    }

    /// Forgets an owned resource (after it was deleted).
    pub fn disown(&self, env: &str, address: &str) -> Result<()> {
        self.lock().execute(
            "DELETE FROM resources WHERE env = ?1 AND address = ?2",
            params![env, address],
        )?;
        Ok(())
    }

    /// The owned resource at `address`.
    pub fn get(&self, env: &str, address: &str) -> Result<Option<Owned>> {
        let c = self.lock();
        let row = c
            .query_row(
                "SELECT address, kind, id, outputs, needs FROM resources WHERE env = ?1 AND address = ?2",
                params![env, address],
                row_to_owned,
            )
            .optional()?;
        Ok(row)
    }

    /// Every owned resource of `env`, by address.
    pub fn all(&self, env: &str) -> Result<Vec<Owned>> {
        let c = self.lock();
        let mut st = c.prepare(
            "SELECT address, kind, id, outputs, needs FROM resources WHERE env = ?1 ORDER BY address",
        )?;
        let rows = st
            .query_map(params![env], row_to_owned)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Whether a run of `env` since its last destroy made a mutating call
    /// for `address`: what such a run made is Strata's even when it was
    /// killed before recording it as owned.
    pub fn touched_since_destroy(&self, env: &str, address: &str) -> Result<bool> {
        let n: i64 = self.lock().query_row(
            "SELECT count(*) FROM calls JOIN runs USING (run)
             WHERE runs.env = ?1 AND calls.address = ?2
               AND run > COALESCE((SELECT max(run) FROM runs
                                   WHERE env = ?1 AND command = 'destroy'), 0)",
            params![env, address],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Records that the account setting at `address` existed before Strata
    /// took it over (`true`), or that Strata made it (`false`).
    pub fn set_preexisting(&self, env: &str, address: &str, yes: bool) -> Result<()> {
        let c = self.lock();
        if yes {
            c.execute(
                "INSERT OR IGNORE INTO preexisting (env, address) VALUES (?1, ?2)",
                params![env, address],
            )?;
        } else {
            c.execute(
                "DELETE FROM preexisting WHERE env = ?1 AND address = ?2",
                params![env, address],
            )?;
        }
        Ok(())
    }

    /// Records that `env` in this journal is `app`'s, or refuses when it is
    /// another application's: the journal is keyed by environment, and an
    /// apply deletes what its environment owns and its plan does not have,
    /// so two applications sharing a state file would delete each other.
    pub fn claim(&self, env: &str, app: &str) -> Result<()> {
        let c = self.lock();
        c.execute(
            "INSERT OR IGNORE INTO apps (env, app) VALUES (?1, ?2)",
            params![env, app],
        )?;
        let holder: String =
            c.query_row("SELECT app FROM apps WHERE env = ?1", params![env], |r| {
                r.get(0)
            })?;
        if holder != app {
            return Err(Error::Refused(format!(
                "this state file holds environment `{env}` of application `{holder}`, not `{app}`: \
                 nothing was done; give `{app}` a state file of its own (`--state`)"
            )));
        }
        Ok(())
    }

    /// The addresses of `env` whose account settings existed before Strata.
    pub fn preexisting(&self, env: &str) -> Result<BTreeSet<String>> {
        let c = self.lock();
        let mut st = c.prepare("SELECT address FROM preexisting WHERE env = ?1")?;
        let rows = st
            .query_map(params![env], |r| r.get(0))?
            .collect::<Result<BTreeSet<String>, _>>()?;
        Ok(rows)
    }

    /// How many calls `run` journalled (mutating calls made).
    pub fn calls_of(&self, run: i64) -> Result<i64> {
        Ok(self.lock().query_row(
            "SELECT count(*) FROM calls WHERE run = ?1",
            params![run],
            |r| r.get(0),
        )?)
    }
}

fn row_to_owned(r: &rusqlite::Row<'_>) -> rusqlite::Result<Owned> {
    let outputs: String = r.get(3)?;
    let outputs = serde_json::from_str::<serde_json::Value>(&outputs)
        .ok()
        .and_then(|j| match from_json(&j) {
            Value::Map(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let needs: String = r.get(4)?;
    Ok(Owned {
        address: r.get(0)?,
        kind: r.get(1)?,
        id: r.get(2)?,
        outputs,
        needs: serde_json::from_str(&needs).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_belongs_to_one_application() {
        let j = Journal::in_memory().unwrap();
        j.claim("dev", "shop").unwrap();
        j.claim("dev", "shop").unwrap();
        j.claim("prod", "blog").unwrap();
        let e = j.claim("dev", "blog").unwrap_err().to_string();
        assert!(
            e.contains("environment `dev` of application `shop`, not `blog`"),
            "{e}"
        );
    }

    #[test]
    fn an_intent_without_outcome_is_reported_until_settled() {
        let j = Journal::in_memory().unwrap();
        let run = j.start_run("dev", "apply").unwrap();
        let a = j
            .intent(run, "dev.network.aws_vpc.main", "CreateVpc")
            .unwrap();
        j.outcome(a, true, "vpc-1").unwrap();
        j.intent(run, "dev.network.aws_subnet.a", "CreateSubnet")
            .unwrap();
        assert_eq!(
            j.interrupted("dev").unwrap(),
            vec![(
                "dev.network.aws_subnet.a".to_owned(),
                "CreateSubnet".to_owned()
            )]
        );
        assert!(j.interrupted("prod").unwrap().is_empty());
        let next = j.start_run("dev", "apply").unwrap();
        assert_eq!(j.settle_interrupted("dev", next).unwrap(), 1);
        assert!(j.interrupted("dev").unwrap().is_empty());
        assert_eq!(j.calls_of(run).unwrap(), 2);
        assert_eq!(j.calls_of(next).unwrap(), 0);
    }

    #[test]
    fn owned_resources_round_trip_with_their_outputs() {
        let j = Journal::in_memory().unwrap();
        let mut outputs = BTreeMap::new();
        outputs.insert("id".to_owned(), Value::String("vpc-1".into()));
        outputs.insert("n".to_owned(), Value::Int(3));
        let o = Owned {
            address: "dev.network.aws_vpc.main".into(),
            kind: "aws_vpc".into(),
            id: "vpc-1".into(),
            outputs,
            needs: vec!["dev.network.aws_vpc_ipam_pool.main".into()],
        };
        j.own("dev", &o).unwrap();
        assert_eq!(j.get("dev", &o.address).unwrap(), Some(o.clone()));
        assert_eq!(j.all("dev").unwrap(), vec![o.clone()]);
        j.disown("dev", &o.address).unwrap();
        assert_eq!(j.get("dev", &o.address).unwrap(), None);
    }

    #[test]
    fn a_journal_from_before_dependencies_were_recorded_opens_and_keeps_its_resources() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE resources (env TEXT NOT NULL, address TEXT NOT NULL,
                   kind TEXT NOT NULL, id TEXT NOT NULL, outputs TEXT NOT NULL,
                   updated_at TEXT NOT NULL DEFAULT '', PRIMARY KEY (env, address));
                 INSERT INTO resources (env, address, kind, id, outputs)
                   VALUES ('dev', 'dev.network.aws_vpc.main', 'aws_vpc', 'vpc-1', '{}');",
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        let o = j.get("dev", "dev.network.aws_vpc.main").unwrap().unwrap();
        assert_eq!((o.id.as_str(), o.needs.len()), ("vpc-1", 0));
        let o = Owned {
            needs: vec!["dev.network.aws_vpc_ipam_pool.main".into()],
            ..o
        };
        j.own("dev", &o).unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert_eq!(
            j.all("dev").unwrap(),
            vec![o],
            "and records them from then on"
        );
    }

    #[test]
    fn what_a_run_touched_is_ours_until_the_next_destroy() {
        let j = Journal::in_memory().unwrap();
        let hub = "dev.security.aws_securityhub_account.main";
        assert!(!j.touched_since_destroy("dev", hub).unwrap());
        let run = j.start_run("dev", "apply").unwrap();
        j.intent(run, hub, "EnableSecurityHub").unwrap();
        assert!(j.touched_since_destroy("dev", hub).unwrap());
        assert!(!j.touched_since_destroy("prod", hub).unwrap());
        j.start_run("dev", "destroy").unwrap();
        assert!(!j.touched_since_destroy("dev", hub).unwrap());
        j.set_preexisting("dev", hub, true).unwrap();
        j.set_preexisting("dev", hub, true).unwrap();
        assert_eq!(j.preexisting("dev").unwrap().len(), 1);
        j.set_preexisting("dev", hub, false).unwrap();
        assert!(j.preexisting("dev").unwrap().is_empty());
    }

    #[test]
    fn one_mutating_run_per_environment_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.db");
        let held = RunLock::acquire(&state, "dev", "apply").unwrap();
        match RunLock::acquire(&state, "dev", "destroy") {
            Err(Error::Locked { env, holder, .. }) => {
                assert_eq!(env, "dev");
                assert!(holder.starts_with("`apply` by process"), "{holder}");
            }
            other => panic!("{other:?}"),
        }
        let other_env = RunLock::acquire(&state, "prod", "apply").unwrap();
        drop(held);
        RunLock::acquire(&state, "dev", "destroy").unwrap();
        drop(other_env);
    }
}
