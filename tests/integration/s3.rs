//! The object store on a real S3-compatible server (moto's server mode, from PyPI, which
//! `.ci/run` installs): objects written, listed, read and deleted through `STORAGE_URL`, and a
//! backup taken, downloaded, refused when its stored object is damaged, and restored.
//!
//! Without moto installed for `python3` the test prints why and passes, except in CI
//! (`CI=true`), where it must run.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::TryStreamExt;
use millennium::domain::Role;
use serde_json::json;

use crate::support::TestApp;
use crate::support::http_client;
use crate::support::process::free_port;

/// A moto S3 server on a free port, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto() -> Option<Moto> {
    let found = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "moto is missing in CI: .ci/run installs it (pip install 'moto[server]')"
        );
        eprintln!("skipped: moto is not installed (pip install 'moto[server]')");
        return None;
    }
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_client::send(port, "GET", "/", None).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

async fn app_on(moto: &Moto, bucket: &str) -> TestApp {
    let created =
        http_client::send(moto.port, "PUT", &format!("/{bucket}"), None).expect("PUT bucket");
    assert_eq!(created.status, 200, "{}", created.body);
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let url = format!("s3://{bucket}/millennium");
    TestApp::spawn_with(&[
        ("STORAGE_URL", &url),
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ALLOW_HTTP", "true"),
    ])
    .await
}

#[tokio::test]
async fn the_store_and_backups_work_on_a_real_s3_server() {
    let Some(moto) = moto() else { return };
    let app = app_on(&moto, "millennium-test").await;
    let storage = app.state.storage.under("probe");

    // Objects: a put, a multipart write larger than one part, a list, reads and deletes.
    storage
        .put("small", Bytes::from_static(b"hello"))
        .await
        .expect("put");
    let big: Vec<u8> = (0..12 * 1024 * 1024_u32).map(|i| (i % 251) as u8).collect();
    let mut writer = storage.writer("big").await.expect("writer");
    for chunk in big.chunks(1024 * 1024) {
        writer
            .write(Bytes::copy_from_slice(chunk))
            .await
            .expect("write");
    }
    writer.finish().await.expect("finish");
    let mut keys: Vec<String> = storage
        .list("")
        .map_ok(|object| object.key)
        .try_collect()
        .await
        .expect("list");
    keys.sort();
    assert_eq!(keys, ["big", "small"]);
    let read = storage.read("big").await.expect("read");
    assert_eq!(read.size, big.len() as u64);
    let chunks: Vec<Bytes> = read.stream.try_collect().await.expect("bytes");
    assert!(chunks.concat() == big, "the big object comes back intact");
    storage.delete("big").await.expect("delete");
    storage.delete("big").await.expect("deleting twice is fine");
    assert!(storage.info("big").await.is_err());

    // A backup lands in the bucket, downloads, and restores.
    let admin = app.login_as(Role::Admin).await;
    crate::support::Org::new(&app).await;
    let created = app
        .gql("mutation { createBackup { id fileName } }")
        .by(&admin)
        .send()
        .await;
    let id = created.data()["createBackup"]["id"].clone();
    let name = created.data()["createBackup"]["fileName"]
        .as_str()
        .expect("fileName")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    let backup = loop {
        let response = app
            .gql("query($id: ID!) { backup(id: $id) { status sizeBytes errorMessage } }")
            .var("id", id.clone())
            .by(&admin)
            .send()
            .await;
        let backup = response.data()["backup"].clone();
        if backup["status"] != "IN_PROGRESS" {
            break backup;
        }
        assert!(Instant::now() < deadline, "the backup never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(backup["status"], "COMPLETED", "{backup}");
    let key = format!("backups/{name}");
    let stored = app.state.storage.info(&key).await.expect("in the bucket");
    assert_eq!(Some(stored.size as i64), backup["sizeBytes"].as_i64());

    let download = app
        .send(
            axum::http::Request::get(format!("/backups/{}/download", id.as_str().expect("id")))
                .header("authorization", format!("Bearer {}", admin.access_token))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes.len() as u64, stored.size);

    let restore = "mutation($id: ID!, $confirm: String!) {
        restoreBackup(id: $id, confirm: $confirm) { callerKept safetyBackup { status } } }";
    // Damaged in the bucket: refused, nothing changed.
    let sound = download.bytes.clone();
    let mut damaged = sound.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    app.state
        .storage
        .put(&key, Bytes::from(damaged))
        .await
        .expect("damage");
    let refused = app
        .gql(restore)
        .var("id", id.clone())
        .var("confirm", name.clone())
        .by(&admin)
        .send()
        .await;
    assert_eq!(
        refused.error_code(),
        "BAD_USER_INPUT",
        "{:?}",
        refused.body()
    );

    app.state
        .storage
        .put(&key, Bytes::from(sound))
        .await
        .expect("repair");
    let restored = app
        .gql(restore)
        .var("id", id)
        .var("confirm", name)
        .by(&admin)
        .send()
        .await;
    assert_eq!(
        restored.data()["restoreBackup"],
        json!({ "callerKept": true, "safetyBackup": { "status": "COMPLETED" } })
    );
}
