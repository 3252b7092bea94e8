//! W1 and W3 over loopback TCP pairs, each loop timed in turns with the others.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::loops::{FLOOR_OF, LOOPS, Wait, make};

/// `n` connected, non-blocking loopback pairs: (readers, writers).
fn pairs(n: usize) -> (Vec<TcpStream>, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let (mut readers, mut writers) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let writer = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (reader, _) = listener.accept().expect("accept");
        for s in [&reader, &writer] {
            s.set_nodelay(true).expect("nodelay");
            s.set_nonblocking(true).expect("nonblocking");
        }
        readers.push(reader);
        writers.push(writer);
    }
    (readers, writers)
}

/// Reads what is there (at least one byte, waiting for it: loopback TCP delivers a little
/// later than the write returns).
fn read_byte(mut s: &TcpStream) {
    let mut buf = [0_u8; 64];
    loop {
        match s.read(&mut buf) {
            Ok(n) if n > 0 => return,
            Ok(_) => panic!("end of file"),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// W1: one round of a chain of `writes` one-byte writes over `active` of the pairs; µs.
fn w1_round(
    l: &mut dyn Wait,
    readers: &[TcpStream],
    writers: &[TcpStream],
    active: usize,
    writes: usize,
) -> f64 {
    let n = readers.len();
    let start = Instant::now();
    let space = n / active;
    for a in 0..active {
        (&writers[a * space]).write_all(b"e").expect("write");
    }
    let (mut sent, mut received) = (active, 0);
    let mut ready = Vec::new();
    while received < writes {
        ready.clear();
        l.wait(Some(Duration::from_secs(5)), &mut |i| ready.push(i));
        assert!(!ready.is_empty(), "a wait timed out");
        for &i in &ready {
            read_byte(&readers[i]);
            received += 1;
            if sent < writes {
                (&writers[(i + 1) % n]).write_all(b"e").expect("write");
                sent += 1;
            }
        }
    }
    start.elapsed().as_secs_f64() * 1e6
}

/// W3: `waits` zero-timeout waits with exactly one socket ready; ns per wait.
fn w3_waits(l: &mut dyn Wait, waits: u32) -> f64 {
    let start = Instant::now();
    let mut count = 0;
    for _ in 0..waits {
        l.wait(Some(Duration::ZERO), &mut |_| count += 1);
    }
    assert_eq!(count, waits as usize, "one ready socket per wait");
    start.elapsed().as_secs_f64() * 1e9 / f64::from(waits)
}

/// The size of a W4 message.
const MESSAGE: usize = 64;

/// W4: one client thread per pair of `clients`, each sending `messages` messages and
/// waiting for each echo (blocking I/O), and the loop on this thread echoing on `servers`
/// (non-blocking); messages per second.
fn w4_run(l: &mut dyn Wait, servers: &[TcpStream], clients: &[TcpStream], messages: usize) -> f64 {
    let start = Instant::now();
    let expected = clients.len() * messages * MESSAGE;
    std::thread::scope(|scope| {
        for client in clients {
            scope.spawn(move || {
                let mut echo = [0_u8; MESSAGE];
                for m in 0..messages {
                    let message = [m as u8; MESSAGE];
                    (&*client).write_all(&message).expect("client write");
                    (&*client).read_exact(&mut echo).expect("client read");
                    assert_eq!(echo, message, "the echo is the message");
                }
            });
        }
        let (mut echoed, mut ready, mut buf) = (0, Vec::new(), [0_u8; 4096]);
        while echoed < expected {
            ready.clear();
            l.wait(Some(Duration::from_secs(5)), &mut |i| ready.push(i));
            assert!(!ready.is_empty(), "a wait timed out");
            for &i in &ready {
                let n = match (&servers[i]).read(&mut buf) {
                    Ok(0) => panic!("a client closed early"),
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("server read: {e}"),
                };
                write_all(&servers[i], &buf[..n]);
                echoed += n;
            }
        }
    });
    (clients.len() * messages) as f64 / start.elapsed().as_secs_f64()
}

/// Writes all of `bytes` to a non-blocking socket (a full send buffer is waited out: rare
/// with messages this small).
fn write_all(mut s: &TcpStream, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match s.write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("server write: {e}"),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Samples of every loop, taken in turns (A B C ..., then reversed) so that drift of the
/// machine falls on all of them alike; each turn builds the loop afresh.
fn turns(
    sockets: &[TcpStream],
    reps: usize,
    mut sample: impl FnMut(&mut dyn Wait) -> f64,
) -> [f64; 6] {
    let mut samples: [Vec<f64>; 6] = Default::default();
    for rep in 0..reps {
        let mut order: Vec<usize> = (0..LOOPS.len()).collect();
        if rep % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let mut l = make(i, sockets);
            samples[i].push(sample(&mut *l));
        }
    }
    samples.map(median)
}

/// One Markdown table: a row per loop, a column per size, each median with its ratio to its
/// floor.
fn table(title: &str, unit: &str, sizes: &[usize], medians: &[[f64; 6]]) {
    let label = if unit.starts_with("messages") {
        "C"
    } else {
        "N"
    };
    println!("\n{title}\n");
    print!("| implementation ({unit}), under Wine |");
    for n in sizes {
        print!(" {label} = {n} |");
    }
    println!();
    println!("|---|{}", "---:|".repeat(sizes.len()));
    for (i, name) in LOOPS.iter().enumerate() {
        let floor = FLOOR_OF[i] == i;
        if floor {
            print!("| **{name}** (floor) |");
        } else {
            print!("| {name} |");
        }
        for m in medians {
            if floor {
                print!(" {:.0} |", m[i]);
            } else {
                // The cost ratio: time per round or wait over the floor's, or for W4's
                // rates, the floor's rate over this one's.
                let ratio = if label == "C" {
                    m[FLOOR_OF[i]] / m[i]
                } else {
                    m[i] / m[FLOOR_OF[i]]
                };
                print!(" {:.0} ({ratio:.2}×) |", m[i]);
            }
        }
        println!();
    }
}

/// Runs W1, W3 and W4 and prints their tables between the markers xtask copies.
pub(crate) fn run(smallest: bool) {
    let (sizes, reps, rounds, waits): (&[usize], usize, usize, u32) = if smallest {
        (&[10], 1, 1, 10)
    } else {
        (&[100, 1000], 5, 3, 200)
    };
    let (client_counts, messages): (&[usize], usize) = if smallest {
        (&[2], 10)
    } else {
        (&[10, 50], 200)
    };
    let mut w1 = Vec::new();
    let mut w3 = Vec::new();
    for &n in sizes {
        let (readers, writers) = pairs(n);
        let active = (n / 10).max(1);
        w1.push(turns(&readers, reps, |l| {
            median(
                (0..rounds)
                    .map(|_| w1_round(l, &readers, &writers, active, 1000))
                    .collect(),
            )
        }));
        // One byte left unread on the first reader: exactly one ready socket.
        (&writers[0]).write_all(b"r").expect("write");
        std::thread::sleep(Duration::from_millis(50));
        w3.push(turns(&readers, reps, |l| w3_waits(l, waits)));
    }
    let mut w4 = Vec::new();
    for &c in client_counts {
        let (servers, clients) = pairs(c);
        for client in &clients {
            client.set_nonblocking(false).expect("blocking client");
        }
        w4.push(turns(&servers, reps, |l| {
            w4_run(l, &servers, &clients, messages)
        }));
    }
    println!("<!-- windows-bench -->");
    table(
        "W1 (libevent's bench.c): N pairs, N/10 active, 1000 one-byte writes per round",
        "µs per round",
        sizes,
        &w1,
    );
    table(
        "W3 (idle scan): N registered, one ready, a zero-timeout wait",
        "ns per wait",
        sizes,
        &w3,
    );
    table(
        &format!(
            "W4 (echo over loopback TCP): C client threads, {messages} {MESSAGE}-byte messages each, one loop echoing"
        ),
        "messages per second; higher is better",
        client_counts,
        &w4,
    );
    println!("<!-- /windows-bench -->");
}
