//! The consumer loop against a real RabbitMQ: what it does with a message whose handler
//! panics.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use greetings_messaging::{consume, Handled, Handler};
use greetings_test_support::{eventually, TestBroker};
use lapin::{Connection, ConnectionProperties};
use tokio_util::sync::CancellationToken;

/// Panics on `panic`, acks anything else and remembers it.
#[derive(Default)]
struct Fragile {
    handled: Mutex<Vec<Vec<u8>>>,
}

impl Handler for Fragile {
    async fn handle(&self, payload: Vec<u8>) -> Handled {
        if payload == b"panic" {
            panic!("a handler bug");
        }
        self.handled.lock().unwrap().push(payload);
        Handled::Ack
    }
}

#[tokio::test]
async fn a_message_whose_handler_panics_is_dead_lettered_once_and_the_loop_goes_on() {
    let broker = TestBroker::create().await;
    let connection = Connection::connect(&broker.url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let handler = Arc::new(Fragile::default());
    let shutdown = CancellationToken::new();
    // One message in flight at a time: an unsettled message would stall everything behind it.
    let consuming = tokio::spawn({
        let (handler, shutdown, queue) = (
            handler.clone(),
            shutdown.clone(),
            broker.topology.deliveries_queue(),
        );
        async move { consume(&channel, &queue, 1, handler, shutdown).await }
    });

    broker
        .publish_raw(&[b"panic", b"first", b"panic", b"second"])
        .await;
    eventually(
        Duration::from_secs(10),
        "both good messages handled",
        || async { (handler.handled.lock().unwrap().len() == 2).then_some(()) },
    )
    .await;
    eventually(Duration::from_secs(10), "two dead letters", || async {
        (broker.depths().await == (0, 2)).then_some(())
    })
    .await;

    assert!(
        !consuming.is_finished(),
        "the consumer loop is still running"
    );
    assert_eq!(
        *handler.handled.lock().unwrap(),
        vec![b"first".to_vec(), b"second".to_vec()]
    );
    let letters = broker.drain_dead_letter_records().await;
    assert_eq!(letters.len(), 2);
    for letter in letters {
        assert_eq!(letter.payload, b"panic");
        assert_eq!(letter.deaths, vec![("rejected".to_owned(), 1)]);
    }
    shutdown.cancel();
    consuming.await.unwrap().unwrap();
}
