//! `stage5-server [ADDRESS]` — stage 3's chat server, serialising once and batching writes.
//! Book: chapter 5, "An optimised server". Compare it with `stage3-server` using `stress`.

use std::process::ExitCode;

use stage3_websockets::server::listen_address;

use stage5_testing::optimized::OptimizedServer;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(addr) = listen_address("usage: stage5-server [ADDRESS]   (default 127.0.0.1:8080)")
    else {
        return ExitCode::SUCCESS;
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
