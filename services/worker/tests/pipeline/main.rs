//! End-to-end delivery on real parts: Postgres, RabbitMQ, the e-mail simulator over HTTP, the
//! scheduler and workers (in-process, or as processes where one must be killed).

mod delivery;
mod helpers;
mod malformed;
mod processes;
mod restarts;
