//! `stage5-server [ADDRESS]` — stage 3's chat server, serialising once and batching writes.
//! Book: chapter 5, "An optimised server". Compare it with `stage3-server` using `stress`.

use std::process::ExitCode;

use stage5_testing::optimized::OptimizedServer;

#[tokio::main]
async fn main() -> ExitCode {
    let addr = match std::env::args().nth(1) {
        Some(arg) if arg == "-h" || arg == "--help" => {
            println!("usage: stage5-server [ADDRESS]   (default 127.0.0.1:8080)");
            return ExitCode::SUCCESS;
        }
        Some(addr) => addr,
        None => "127.0.0.1:8080".to_owned(),
    };
    let server = match OptimizedServer::bind(&addr).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.local_addr() {
        Ok(bound) => println!("stage 5 optimised chat server listening on ws://{bound}"),
        Err(err) => eprintln!("listening, but the address is unknown: {err}"),
    }
    match server.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("the server stopped: {err}");
            ExitCode::FAILURE
        }
    }
}
