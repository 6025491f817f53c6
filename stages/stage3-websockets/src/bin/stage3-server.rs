//! `stage3-server [ADDRESS]` — the stage 3 chat server. Book: chapter 3.
//!
//! Listens on 127.0.0.1:8080, or on the address given as the first argument (`127.0.0.1:0`
//! picks a free port; the address in use is printed). Stop it with Ctrl-C; stage 4 teaches it to
//! shut down gracefully.

use std::process::ExitCode;

use stage3_websockets::Server;
use stage3_websockets::server::listen_address;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(addr) = listen_address("usage: stage3-server [ADDRESS]   (default 127.0.0.1:8080)")
    else {
        return ExitCode::SUCCESS;
    };
    let server = match Server::bind(&addr).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.local_addr() {
        Ok(bound) => println!("stage 3 chat server listening on ws://{bound}"),
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
