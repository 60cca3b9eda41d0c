//! Readiness flags: each dependency a service needs reports whether it currently works, and
//! `/health/ready` answers 503 until all of them do.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

#[derive(Debug, Clone, Default)]
pub struct Readiness {
    checks: Arc<Mutex<BTreeMap<&'static str, bool>>>,
}

impl Readiness {
    /// A readiness with the named dependencies, all initially not ready.
    pub fn new(dependencies: &[&'static str]) -> Self {
        let checks = dependencies.iter().map(|name| (*name, false)).collect();
        Self {
            checks: Arc::new(Mutex::new(checks)),
        }
    }

    pub fn set(&self, dependency: &'static str, ready: bool) {
        self.checks
            .lock()
            .expect("readiness lock")
            .insert(dependency, ready);
    }

    pub fn is_ready(&self) -> bool {
        self.checks
            .lock()
            .expect("readiness lock")
            .values()
            .all(|ok| *ok)
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, bool> {
        self.checks.lock().expect("readiness lock").clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_is_ready_only_when_every_dependency_is() {
        let readiness = Readiness::new(&["database", "rabbitmq"]);
        assert!(!readiness.is_ready());
        readiness.set("database", true);
        assert!(!readiness.is_ready());
        readiness.set("rabbitmq", true);
        assert!(readiness.is_ready());
        readiness.set("database", false);
        assert!(!readiness.is_ready());
    }
}
