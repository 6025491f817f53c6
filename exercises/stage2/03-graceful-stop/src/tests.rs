//! Tests for exercise 2.3. Read them to see what is expected; do not edit them.

use super::*;
use tokio::time::{Instant, sleep};

fn job(id: u32, secs: u64) -> Job {
    Job {
        id,
        work: Duration::from_secs(secs),
    }
}

fn secs(secs: f64) -> Option<Duration> {
    Some(Duration::from_secs_f64(secs))
}

/// Queues `jobs`, starts the worker, and sets the shutdown signal after `shutdown_after`
/// (never, if `None`). Returns the summary and how long the worker ran.
async fn run(
    jobs: &[Job],
    close_jobs: bool,
    shutdown_after: Option<Duration>,
) -> (Summary, Duration) {
    let (job_sender, job_receiver) = mpsc::channel(16);
    for job in jobs {
        job_sender.send(*job).await.unwrap();
    }
    let (signal, shutdown) = watch::channel(false);
    let start = Instant::now();
    let task = tokio::spawn(worker(job_receiver, shutdown));
    if close_jobs {
        drop(job_sender);
    }
    let stopper = async {
        if let Some(after) = shutdown_after {
            sleep(after).await;
            let _ = signal.send(true);
        }
        // Keep the signal (and maybe the job sender) alive until the worker is done.
        std::future::pending::<()>().await
    };
    let summary = tokio::select! {
        finished = task => finished.expect("the worker panicked"),
        _ = stopper => unreachable!(),
        _ = sleep(Duration::from_secs(3600)) => panic!("the worker never stopped"),
    };
    (summary, start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn does_every_job_then_stops_when_there_are_no_more() {
    let (summary, took) = run(&[job(1, 1), job(2, 2), job(3, 1)], true, None).await;
    assert_eq!(
        summary,
        Summary {
            done: vec![1, 2, 3],
            stop: Stop::NoMoreJobs
        }
    );
    assert_eq!(
        took,
        Duration::from_secs(4),
        "one job at a time: 1 + 2 + 1 seconds"
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_the_job_in_progress_finish() {
    // Job 2 runs from t=1 to t=3; the shutdown comes at t=2, in the middle of it.
    let (summary, took) = run(&[job(1, 1), job(2, 2), job(3, 1)], false, secs(2.0)).await;
    assert_eq!(
        summary.done,
        [1, 2],
        "job 2 was in progress and must be finished; job 3 is left"
    );
    assert_eq!(summary.stop, Stop::Shutdown);
    assert_eq!(
        took,
        Duration::from_secs(3),
        "stop right after job 2, at t=3"
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_wins_over_a_waiting_job() {
    // The shutdown comes at t=0.5, during job 1. At t=1 job 1 ends, and both the shutdown and
    // job 2 are ready: the shutdown must win. Without `biased;`, select! would pick one at
    // random, so this runs 20 times.
    for attempt in 1..=20 {
        let (summary, _) = run(&[job(1, 1), job(2, 1)], false, secs(0.5)).await;
        assert_eq!(
            summary,
            Summary {
                done: vec![1],
                stop: Stop::Shutdown
            },
            "attempt {attempt}: when a job and the shutdown are both ready, the shutdown wins"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_idle_worker_stops_at_once() {
    let (summary, took) = run(&[], false, secs(5.0)).await;
    assert_eq!(
        summary,
        Summary {
            done: vec![],
            stop: Stop::Shutdown
        }
    );
    assert_eq!(
        took,
        Duration::from_secs(5),
        "it was waiting for jobs and stops when told to"
    );
}

#[tokio::test(start_paused = true)]
async fn a_signal_already_set_means_no_work() {
    let (job_sender, job_receiver) = mpsc::channel(4);
    job_sender.send(job(1, 1)).await.unwrap();
    let (_signal, shutdown) = watch::channel(true);
    let summary = tokio::time::timeout(Duration::from_secs(3600), worker(job_receiver, shutdown))
        .await
        .expect("the worker never stopped");
    assert_eq!(
        summary,
        Summary {
            done: vec![],
            stop: Stop::Shutdown
        }
    );
}
