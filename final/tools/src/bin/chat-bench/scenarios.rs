//! The scenarios, one function each: what chat-bench runs against every server. Each run
//! starts its server afresh, so that nothing one run left behind (queues, memory, connections
//! still closing) is charged to the next, and turns what it measured into a table [`Row`].
//!
//! Final server — book chapter "Performance", sections "How it is measured" (the loads, slow,
//! memory) and "Coalescing writes" (coalesce); chapter "Scaling out", section "The cost of the
//! hop" (scale).

use crate::measure::{self, Load, Measured};
use crate::report::Row;
use crate::servers::{self, RedisProcess, ServerKind, Wire};

/// How big the runs are: full size for measurements, small for `--quick`.
pub(crate) struct Plan {
    /// Clients per run, all in one room.
    pub(crate) clients: usize,
    /// Seconds of sending per run (twice that for the slow run).
    pub(crate) seconds: u64,
    /// Connections the memory scenario holds open.
    pub(crate) idle: usize,
    /// Messages per second of the load runs, all senders together; every one reaches every
    /// client.
    pub(crate) rates: &'static [f64],
    /// The store scenario's many-rooms shapes: clients, rooms (every client sends), and
    /// messages per second, all rooms together.
    pub(crate) many: &'static [(usize, usize, f64)],
    /// Clients in the connection storm.
    pub(crate) storm: usize,
    /// The rooms scenario's shapes: clients, rooms, senders (spread over the rooms), and
    /// messages per second, all rooms together.
    pub(crate) rooms: &'static [(usize, usize, usize, f64)],
}

impl Plan {
    /// The full plan, or with `quick` a smoke test that is not a measurement.
    pub(crate) fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                clients: 200,
                seconds: 3,
                idle: 500,
                rates: &[10.0, 100.0],
                many: &[(200, 20, 1_000.0), (200, 100, 1_000.0)],
                storm: 500,
                rooms: &[(500, 50, 500, 50.0), (500, 5, 5, 5.0)],
            }
        } else {
            Plan {
                clients: 1_000,
                seconds: 10,
                idle: 15_000,
                rates: &[10.0, 50.0, 100.0, 250.0, 500.0, 1000.0],
                // 100 rooms of 10 at 50,000 messages a second (500,000 deliveries), and 1,000
                // rooms of 2 at 20,000 (40,000 deliveries).
                many: &[(1_000, 100, 50_000.0), (2_000, 1_000, 20_000.0)],
                storm: 10_000,
                // 10,000 clients in 1,000 rooms of 10, each sending one message every 10 s
                // (10,000 deliveries a second); and 10,000 in 10 rooms of 1,000, where one
                // member in a hundred talks, 10 messages a second in each room (100,000).
                rooms: &[(10_000, 1_000, 10_000, 1_000.0), (10_000, 10, 100, 100.0)],
            }
        }
    }
}

/// The rows so far, and how many scenarios could not run.
#[derive(Default)]
pub(crate) struct Results {
    /// One per scenario and server that ran.
    pub(crate) rows: Vec<Row>,
    /// Scenarios that could not run (a server that would not start, a tool without a report).
    pub(crate) broken: usize,
}

impl Results {
    /// Keeps a scenario's row and returns it, or says why there is none and counts it.
    fn record(&mut self, what: &str, result: Result<Row, String>) -> Option<&Row> {
        match result {
            Ok(row) => {
                self.rows.push(row);
                self.rows.last()
            }
            Err(err) => {
                eprintln!("{what}: {err}");
                self.broken += 1;
                None
            }
        }
    }
}

/// Runs against one server what `wanted` asks for: `all`, `sweep` (every load), or one
/// scenario's name. The slow, coalesce and scale scenarios need the final server's flags and
/// counters, so they skip the stage servers.
pub(crate) async fn run(kind: &ServerKind, wanted: &str, plan: &Plan, results: &mut Results) {
    let named = |scenario: &str| wanted == "all" || wanted == scenario;
    for &rate in plan.rates {
        let scenario = scenario_name(rate);
        if named(scenario) || wanted == "sweep" {
            load(kind, scenario, rate, plan, results);
        }
    }
    if named("slow") && kind.wire == Wire::Final {
        slow(kind, plan, results);
    }
    if wanted == "coalesce" && kind.wire == Wire::Final {
        coalesce(kind, plan, results);
    }
    if wanted == "scale" && kind.wire == Wire::Final {
        scale(kind, plan, results);
    }
    if named("store") && kind.wire == Wire::Final {
        store(kind, plan, results);
    }
    if named("memory") {
        memory(kind, plan, results).await;
    }
    if named("storm") && kind.wire == Wire::Final {
        storm(kind, plan, results).await;
    }
    if named("rooms") && kind.wire == Wire::Final {
        rooms(kind, plan, results);
    }
}

/// The table's name for a run at `rate` messages per second.
fn scenario_name(rate: f64) -> &'static str {
    match rate as u64 {
        10 => "light",
        250 => "efficiency",
        1000 => "capacity",
        _ => "load",
    }
}

/// One load run: `rate` messages a second to every client.
fn load(kind: &ServerKind, scenario: &str, rate: f64, plan: &Plan, results: &mut Results) {
    let result = (|| {
        let server = servers::start(kind, &[])?;
        let measured = measure::load(kind, &server, plan.clients, rate, plan.seconds, 0)?;
        Ok::<_, String>(row(scenario, kind, &measured, rate * plan.clients as f64))
    })();
    if let Some(row) = results.record(&format!("{scenario} {}", kind.name), result) {
        eprintln!(
            "{} {} {:.0}/s: {:.0} delivered/s, {} lost, p50 {:.1} ms, p99 {:.1} ms",
            row.scenario,
            row.server,
            row.offered_per_sec,
            row.delivered_per_sec,
            row.lost,
            row.p50_ms,
            row.p99_ms
        );
    }
}

/// The efficiency load with 5 % of the clients never reading: the others must not notice, and
/// the server must close the slow ones (counted from its `/metrics`).
fn slow(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    let slow = plan.clients / 20; // 5 %
    let rate = 250.0;
    let result = (|| {
        let server = servers::start(kind, &[])?;
        // Twice as long: the slow clients' socket buffers and queues must fill first.
        let measured = measure::load(kind, &server, plan.clients, rate, 2 * plan.seconds, slow)?;
        let offered = rate * (plan.clients - slow) as f64;
        let mut row = row("slow 5%", kind, &measured, offered);
        row.closed_too_slow = measure::metric(&server.addr, "chat_disconnects_total{code=\"4008\"");
        Ok::<_, String>(row)
    })();
    results.record(&format!("slow {}", kind.name), result);
}

/// The price of each write, traded against latency: the efficiency load with the final
/// server's `--coalesce` from 0 (every batch written at once) up.
fn coalesce(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    for ms in [0u64, 5, 10, 25, 50] {
        let rate = 250.0;
        let flag = ["--coalesce".to_owned(), format!("{ms}ms")];
        let result = (|| {
            let server = servers::start(kind, &flag)?;
            let measured = measure::load(kind, &server, plan.clients, rate, plan.seconds, 0)?;
            let offered = rate * plan.clients as f64;
            let mut row = row(&format!("coalesce {ms}ms"), kind, &measured, offered);
            row.coalesce_ms = Some(ms);
            Ok::<_, String>(row)
        })();
        results.record(&format!("coalesce {ms}ms"), result);
    }
}

/// The plan's clients in one room, 10 of them sending `rate` messages a second in all.
fn one_room(plan: &Plan, rate: f64) -> Load {
    Load {
        clients: plan.clients,
        rooms: 1,
        senders: 10,
        rate,
        seconds: plan.seconds,
        slow: 0,
    }
}

/// The price of keeping the history: each shape without a store (`--store memory`), with the
/// SQLite store (`--durability batch`, the default) and with `--durability immediate`. The
/// light load (latency: what waiting for a commit adds), the capacity load (every message to the
/// 1,000 clients of one room), and many rooms whose every client sends, where the store has the
/// most to write for the least fan-out. The
/// `stored/s` column is what the store committed, per second of sending.
fn store(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    let light_rate = plan.rates.first().copied().unwrap_or(10.0);
    let capacity_rate = plan.rates.last().copied().unwrap_or(1_000.0);
    let mut shapes = vec![
        ("light".to_owned(), one_room(plan, light_rate)),
        ("capacity".to_owned(), one_room(plan, capacity_rate)),
    ];
    for &(clients, rooms, rate) in plan.many {
        let shape = format!("{rooms} rooms of {}", clients / rooms);
        let load = Load {
            clients,
            rooms,
            senders: clients,
            rate,
            seconds: plan.seconds,
            slow: 0,
        };
        shapes.push((shape, load));
    }
    for (shape, load) in &shapes {
        for mode in ["memory", "batch", "immediate"] {
            let scenario = format!("{shape}, store {mode}");
            let result = store_run(kind, load, mode, &scenario);
            if let Some(row) = results.record(&scenario, result) {
                eprintln!(
                    "{}: {:.0} delivered/s, {:.0} stored/s, {} lost, p50 {:.1} ms, p99 {:.1} ms",
                    row.scenario,
                    row.delivered_per_sec,
                    row.stored_per_sec.unwrap_or(0.0),
                    row.lost,
                    row.p50_ms,
                    row.p99_ms
                );
            }
        }
    }
}

/// One run of the store scenario, the store in a fresh folder.
fn store_run(kind: &ServerKind, load: &Load, mode: &str, scenario: &str) -> Result<Row, String> {
    let dir = std::env::temp_dir().join(format!("chat-bench-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let flags: Vec<String> = match mode {
        "memory" => vec!["--store".into(), "memory".into()],
        durability => vec![
            "--store".into(),
            "sqlite".into(),
            "--data-dir".into(),
            dir.display().to_string(),
            "--durability".into(),
            durability.into(),
        ],
    };
    let server = servers::start(kind, &flags)?;
    let measured = measure::load_on(kind, &server.url, vec![server.pid()], load)?;
    let readers_per_room = load.clients / load.rooms;
    let mut row = row(
        scenario,
        kind,
        &measured,
        load.rate * readers_per_room as f64,
    );
    if mode != "memory" {
        let stored = measure::metric(&server.addr, "chat_store_messages_total").unwrap_or(0);
        row.stored_per_sec = Some(stored as f64 / load.seconds as f64);
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(row)
}

/// The cost of the Redis hop: one instance alone, one with Redis, three with Redis (all on
/// CPU 0 with Redis itself; clients spread over the instances), at the light, efficiency and
/// capacity loads.
fn scale(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    for instances in [0usize, 1, 3] {
        for rate in [10.0, 250.0, 1000.0] {
            let result = scale_run(kind, instances, rate, plan);
            let what = format!("scale, {instances} instance(s)");
            if let Some(row) = results.record(&what, result) {
                eprintln!(
                    "{} {:.0}/s: {} lost, p50 {:.1} ms, p99 {:.1} ms",
                    row.scenario, row.offered_per_sec, row.lost, row.p50_ms, row.p99_ms
                );
            }
        }
    }
}

/// One run of the scale scenario: `instances` servers sharing Redis (0: one server, no Redis),
/// measured together with Redis.
fn scale_run(kind: &ServerKind, instances: usize, rate: f64, plan: &Plan) -> Result<Row, String> {
    let redis = (instances > 0).then(RedisProcess::start).transpose()?;
    let extra = redis
        .as_ref()
        .map(|redis| vec!["--redis-url".to_owned(), redis.url()])
        .unwrap_or_default();
    let servers = (0..instances.max(1))
        .map(|_| servers::start(kind, &extra))
        .collect::<Result<Vec<_>, _>>()?;
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    let mut pids: Vec<u32> = servers.iter().map(|s| s.pid()).collect();
    pids.extend(redis.as_ref().map(|redis| redis.pid()));
    let load = one_room(plan, rate);
    let measured = measure::load_on(kind, &urls.join(","), pids, &load)?;
    let name = match instances {
        0 => "scale: 1 alone",
        1 => "scale: 1 + Redis",
        _ => "scale: 3 + Redis",
    };
    Ok(row(name, kind, &measured, rate * plan.clients as f64))
}

/// What an idle connection costs: `plan.idle` of them opened and held, and the server's
/// memory growth shared among them.
async fn memory(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    let result = async {
        let server = servers::start(kind, &[])?;
        let per_connection = measure::idle_memory(kind, &server, plan.idle).await?;
        let mut row = empty_row(&format!("memory {} idle", plan.idle), kind);
        row.rss_kib_per_connection = Some(per_connection);
        Ok::<_, String>(row)
    }
    .await;
    results.record(&format!("memory {}", kind.name), result);
}

/// A connection storm: `plan.storm` clients connect at once (a thousand in flight), each says
/// hello and joins one of 100 rooms; how long until all are in, and how many failed. What a
/// server meets when it restarts under its users, who all reconnect.
async fn storm(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    let result = async {
        let server = servers::start(kind, &[])?;
        let storm = measure::storm(&server, plan.storm, 1_000).await?;
        let mut row = empty_row(&format!("storm {}", plan.storm), kind);
        row.offered_per_sec = plan.storm as f64 / storm.seconds.max(f64::MIN_POSITIVE);
        row.lost = storm.failed;
        row.all_in_seconds = Some(storm.seconds);
        row.rss_mib = measure::rss_mib(&server);
        Ok::<_, String>((row, storm.server_cpu_us))
    }
    .await;
    let server_cpu_us = result.as_ref().ok().and_then(|(_, cpu)| *cpu);
    let result = result.map(|(row, _)| row);
    if let Some(row) = results.record(&format!("storm {}", kind.name), result) {
        // The server's CPU time is not a column: per delivery it would mean nothing here.
        let cpu = server_cpu_us.map_or_else(
            || "unknown".to_owned(),
            |us| format!("{:.2} s", us as f64 / 1e6),
        );
        eprintln!(
            "storm {}: all in after {:.2} s, {} failed, server CPU {cpu}",
            row.server,
            row.all_in_seconds.unwrap_or_default(),
            row.lost
        );
    }
}

/// The shapes real chat servers see: many small rooms whose every member talks now and then,
/// and a few large rooms where a few talk; `plan.rooms` lists them.
fn rooms(kind: &ServerKind, plan: &Plan, results: &mut Results) {
    for &(clients, rooms, senders, rate) in plan.rooms {
        let scenario = format!("{rooms} rooms of {}", clients / rooms);
        let load = Load {
            clients,
            rooms,
            senders,
            rate,
            seconds: plan.seconds,
            slow: 0,
        };
        let result = (|| {
            let server = servers::start(kind, &[])?;
            let measured = measure::load_on(kind, &server.url, vec![server.pid()], &load)?;
            Ok::<_, String>(row(
                &scenario,
                kind,
                &measured,
                rate * (clients / rooms) as f64,
            ))
        })();
        if let Some(row) = results.record(&scenario, result) {
            eprintln!(
                "{}: {:.0} delivered/s, {} lost, p50 {:.1} ms, p99 {:.1} ms",
                row.scenario, row.delivered_per_sec, row.lost, row.p50_ms, row.p99_ms
            );
        }
    }
}

/// A row with nothing measured yet.
fn empty_row(scenario: &str, kind: &ServerKind) -> Row {
    Row {
        scenario: scenario.to_owned(),
        server: kind.name.to_owned(),
        offered_per_sec: 0.0,
        delivered_per_sec: 0.0,
        lost: 0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        p999_ms: 0.0,
        cpu_us_per_delivery: None,
        rss_mib: None,
        rss_kib_per_connection: None,
        closed_too_slow: None,
        coalesce_ms: None,
        stored_per_sec: None,
        all_in_seconds: None,
    }
}

/// A load run's row, from the load tool's report and the server's CPU time and memory.
fn row(scenario: &str, kind: &ServerKind, measured: &Measured, offered: f64) -> Row {
    let (report, cpu) = (&measured.report, measured.cpu_us);
    let latency = &report["latency"];
    let ms = |field: &str| latency[field].as_f64().unwrap_or(0.0) / 1000.0;
    let delivered = report["delivered"].as_u64().unwrap_or(0);
    Row {
        scenario: scenario.to_owned(),
        server: kind.name.to_owned(),
        offered_per_sec: offered,
        delivered_per_sec: report["delivered_per_sec"].as_f64().unwrap_or(0.0),
        lost: report["lost"].as_u64().unwrap_or(0),
        p50_ms: ms("p50_us"),
        p99_ms: ms("p99_us"),
        p999_ms: ms("p999_us"),
        cpu_us_per_delivery: cpu
            .filter(|_| delivered > 0)
            .map(|us| us as f64 / delivered as f64),
        rss_mib: measured.rss_kib.map(|kib| kib as f64 / 1024.0),
        rss_kib_per_connection: None,
        closed_too_slow: None,
        coalesce_ms: None,
        stored_per_sec: None,
        all_in_seconds: None,
    }
}
