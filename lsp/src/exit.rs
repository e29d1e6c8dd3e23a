//! The end of a session. tower-lsp notes the client's `exit` but goes on reading stdin
//! until the next message or the end of the pipe; the protocol wants the server gone
//! at `exit`. [`ExitWatch`] passes every message on and says when `exit` went by.

use std::task::{Context, Poll};

use tokio::sync::oneshot;
use tower::Service;
use tower_lsp::jsonrpc::Request;

pub struct ExitWatch<S> {
    inner: S,
    exited: Option<oneshot::Sender<()>>,
}

impl<S> ExitWatch<S> {
    /// Watch `inner`; the receiver hears of `exit`.
    pub fn new(inner: S) -> (ExitWatch<S>, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        (
            ExitWatch {
                inner,
                exited: Some(tx),
            },
            rx,
        )
    }
}

impl<S: Service<Request>> Service<Request> for ExitWatch<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let exit = req.method() == "exit";
        let answer = self.inner.call(req);
        if exit {
            if let Some(tx) = self.exited.take() {
                let _ = tx.send(());
            }
        }
        answer
    }
}
