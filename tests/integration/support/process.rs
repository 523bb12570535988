//! The `millennium` binary as a child process: a clean environment, and its printed lines
//! read as they come (to wait for one, or to kill the process at a chosen moment).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub const BINARY: &str = env!("CARGO_BIN_EXE_millennium");

/// The binary with a clean environment: only what the test sets.
pub fn millennium(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear();
    for name in ["PATH", "HOME", "TMPDIR"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command.env("RUST_LOG", "warn");
    for (name, value) in vars {
        command.env(name, value);
    }
    // No .env from the repository.
    command.current_dir(std::env::temp_dir());
    command
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("run millennium")
}

pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running server and the lines it printed so far.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Running {
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a printed line containing `needle`.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        if let Some(line) = self.seen.iter().find(|line| line.contains(needle)) {
            return line.clone();
        }
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        panic!(
                            "millennium exited ({status}) before printing {needle:?}:\n{}",
                            self.seen.join("\n")
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!(
            "millennium never printed {needle:?}:\n{}",
            self.seen.join("\n")
        );
    }

    pub fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
    }

    /// Sends `signal` and waits for a successful exit.
    pub fn stop_with(mut self, signal: Signal) -> Vec<String> {
        kill(
            Pid::from_raw(i32::try_from(self.child.id()).expect("pid")),
            signal,
        )
        .expect("signal");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                self.drain();
                assert!(
                    status.success(),
                    "exit status {status}:\n{}",
                    self.seen.join("\n")
                );
                return self.seen;
            }
            assert!(Instant::now() < deadline, "millennium did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Running {
    /// Kills the process with SIGKILL, as a crash would, and waits for it to be gone.
    pub fn kill_now(mut self) -> Vec<String> {
        kill(
            Pid::from_raw(i32::try_from(self.child.id()).expect("pid")),
            Signal::SIGKILL,
        )
        .expect("SIGKILL");
        let _ = self.child.wait();
        self.drain();
        self.seen
    }

    /// Waits for the process to end; its exit status and every line it printed.
    pub fn finish(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().expect("wait");
        // The reader threads end with the pipes.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status, self.seen)
    }
}
