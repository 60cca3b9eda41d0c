//! The HTTP contract at its edges, as `make schemathesis` probes it: methods a path does not
//! support, hostile strings and parameters, and what the OpenAPI document promises.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    helpers::{spawn_app, user_body},
    validation::{assert_problem, field_errors},
};

#[tokio::test]
async fn a_method_a_path_does_not_support_is_a_405_naming_the_ones_it_does() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/users", "POST, GET"),
        (
            Method::POST,
            "/api/v1/users/0193a1b2-0000-7000-8000-000000000000",
            "GET, PUT, PATCH, DELETE",
        ),
        (Method::DELETE, "/api/v1/messages", "GET"),
        (
            Method::GET,
            "/api/v1/messages/0193a1b2-0000-7000-8000-000000000000/retry",
            "POST",
        ),
        (
            Method::PATCH,
            "/user/0193a1b2-0000-7000-8000-000000000000",
            "GET, PUT, DELETE",
        ),
        (Method::POST, "/health/ready", "GET"),
        (Method::DELETE, "/metrics", "GET"),
    ] {
        let response = app.send(method.clone(), path, None).await;
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let problem = assert_problem(response, 405, "method-not-allowed").await;
        assert!(
            problem["detail"].as_str().unwrap().contains(allow),
            "{problem}"
        );
    }
    // A path that does not exist is still a 404, whatever the method.
    let response = app.send(Method::PUT, "/api/v1/nothing-here", None).await;
    assert_problem(response, 404, "not-found").await;
}

#[tokio::test]
async fn a_nul_byte_in_any_string_field_is_a_422_naming_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    // Postgres cannot store U+0000 in text: it must be refused at the edge, never reach SQL.
    for (field, value) in [
        ("firstName", "Ad\u{0}a"),
        ("lastName", "\u{0}"),
        ("email", "ada\u{0}@example.com"),
        ("timezone", "Europe/London\u{0}"),
        ("location", "Lon\u{0}don"),
    ] {
        let mut body = user_body("ada@example.com");
        body[field] = json!(value);
        let problem = assert_problem(
            app.post_json("/api/v1/users", &body).await,
            422,
            "validation-failed",
        )
        .await;
        let fields: Vec<String> = field_errors(&problem).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec![field.to_owned()], "{problem}");
    }
    let mut body = user_body("ada@example.com");
    body["nick\u{0}name"] = json!("x");
    let problem = assert_problem(
        app.post_json("/api/v1/users", &body).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(field_errors(&problem)[0].0, "nick\u{0}name");
    assert_eq!(app.count_users().await, 0);

    // The same through PATCH, on a user that exists: it stays as it was.
    let user = app.create_user(&user_body("ada@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let response = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"lastName": "By\u{0}ron"})),
        )
        .await;
    let problem = assert_problem(response, 422, "validation-failed").await;
    assert_eq!(field_errors(&problem)[0].0, "lastName");
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(unchanged, user);
}

#[tokio::test]
async fn a_cursor_older_than_postgres_can_store_is_a_400_not_a_500() {
    let app = spawn_app().await;
    let id = "0193a1b2-0000-7000-8000-000000000000";
    // 4714-11-24 BC, the first instant Postgres stores, is still a well-formed position.
    let earliest = -210_866_803_200_000_000_i64;
    let response = app
        .get(&format!("/api/v1/messages?cursor={earliest}.{id}"))
        .await;
    assert_eq!(response.status(), 200);
    for micros in [earliest - 1, -300_000_000_000_000_000, i64::MIN] {
        let problem = assert_problem(
            app.get(&format!("/api/v1/messages?cursor={micros}.{id}"))
                .await,
            400,
            "invalid-parameter",
        )
        .await;
        assert_eq!(field_errors(&problem)[0].0, "cursor", "{micros}");
    }
}

#[tokio::test]
async fn a_preview_window_ending_after_9999_12_31_is_a_400_so_local_dates_stay_four_digit_years() {
    let app = spawn_app().await;
    // 09:00 on 1 January in UTC+14 is 19:00 UTC on 31 December of the year before.
    let mut body = user_body("kiritimati@example.com");
    body["timezone"] = json!("Pacific/Kiritimati");
    body["birthday"] = json!("2000-12-31");
    body["anniversary"] = json!("2000-01-01");
    app.create_user(&body).await;

    let late = "/api/v1/schedule/preview?from=9999-12-15T00:00:00Z&to=9999-12-31T23:59:59Z";
    let problem = assert_problem(app.get(late).await, 400, "invalid-parameter").await;
    assert_eq!(
        field_errors(&problem),
        vec![(
            "to".to_owned(),
            "must be at most 9999-12-31T00:00:00Z".to_owned()
        )]
    );

    let last = "/api/v1/schedule/preview?from=9999-12-15T00:00:00Z&to=9999-12-31T00:00:00Z";
    let response = app.get(last).await;
    assert_eq!(response.status(), 200);
    let preview: Value = response.json().await.unwrap();
    let items = preview["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{preview}");
    assert_eq!(items[0]["localDate"], "9999-12-31");
    assert_eq!(items[0]["localSendAt"], "9999-12-31T09:00:00+14:00");
}

#[tokio::test]
async fn the_openapi_document_states_every_problem_an_operation_can_answer() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let name = format!("{method} {path}");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    let is_problem = content.contains_key("application/problem+json");
                    // Readiness reports its checks as JSON whether or not it is ready.
                    assert!(is_problem || path == "/health/ready", "{name} {status}");
                }
            }
            if path.starts_with("/api/v1/") {
                let unavailable = &responses["503"];
                assert!(
                    unavailable["headers"]["Retry-After"].is_object(),
                    "{name} documents its 503 and Retry-After"
                );
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "id" {
                    assert_eq!(parameter["schema"]["format"], "uuid", "{name}");
                }
            }
            if operation["requestBody"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{name} documents {status}");
                }
            }
        }
    }
    let created = &doc["paths"]["/api/v1/users"]["post"]["responses"]["201"];
    assert!(created["headers"]["Location"].is_object());
    // Fields sent as `null` when unset are required and nullable, not optional.
    let user = &doc["components"]["schemas"]["UserOut"];
    for field in ["birthday", "anniversary", "location"] {
        assert!(
            user["required"].as_array().unwrap().contains(&json!(field)),
            "{field}"
        );
        assert!(
            user["properties"][field]["type"]
                .as_array()
                .unwrap()
                .contains(&json!("null")),
            "{field}"
        );
    }
    let zones = doc["components"]["schemas"]["Timezone"]["enum"]
        .as_array()
        .unwrap();
    assert!(zones.contains(&json!("Pacific/Kiritimati")) && zones.len() > 400);
}
