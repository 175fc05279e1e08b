#!/usr/bin/env python3
"""Seeded fuzzing of every input Tandem reads: CSVs (train, predict), configs (--set values),
model.safetensors / model.json, checkpoints (with recomputed checksums) and HTTP requests against
a running `tandem serve`. A case fails on a trap (exit 132/134/139 or any signal), a hang (per-case
timeout), exit 0 with wrong output, a partial output file left behind, an HTTP 5xx or no answer,
or growth of the server's open descriptors.

  fuzz.py --tandem PATH --work DIR --seed N --cases N   (scripts/fuzz.sh sets these)
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tamper  # noqa: E402

TRAPS = {132: "SIGILL (Swift trap)", 134: "SIGABRT", 139: "SIGSEGV", 136: "SIGFPE", 135: "SIGBUS"}


class Fuzz:
    def __init__(self, args):
        self.t, self.work, self.rng = args.tandem, args.work, random.Random(args.seed)
        self.timeout = args.timeout
        self.counts = {}
        self.failures = []

    # -- running -------------------------------------------------------------------------------
    def run(self, kind, argv, stdout_file=None):
        """Runs tandem; returns (rc, output text); records traps and hangs as failures."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        try:
            p = subprocess.run([self.t] + argv, cwd=self.work, capture_output=True, text=True, errors="replace",
                               timeout=self.timeout, env=dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1"))
        except subprocess.TimeoutExpired:
            self.fail(kind, argv, f"hang: no exit within {self.timeout} s")
            return None, ""
        rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
        out = p.stdout + p.stderr
        if rc in TRAPS or rc > 128:
            fatal = [l for l in out.splitlines() if "Fatal error" in l or "error:" in l][:1]
            self.fail(kind, argv, f"exit {rc} ({TRAPS.get(rc, 'signal')}): {(fatal or [out.strip()[-200:]])[0][:300]}")
        return rc, p.stdout if stdout_file is None else out

    def fail(self, kind, what, why):
        self.failures.append(f"{kind}: {why}\n    case: {str(what)[:400]}")

    # -- fixtures ------------------------------------------------------------------------------
    def setup(self):
        os.makedirs(self.work, exist_ok=True)
        shutil.copy(os.path.join(ROOT, "examples/data/iris.csv"), os.path.join(self.work, "iris.csv"))
        self.iris = open(os.path.join(self.work, "iris.csv")).read()
        self.config = os.path.join(self.work, "job.yaml")
        with open(self.config, "w") as f:
            f.write("name: fuzz\ndata: {path: iris.csv, target: species, task: classification, split: {validation: 0.2, test: 0.2}}\n"
                    "model: {kind: mlp, hidden: [8]}\ntrain: {epochs: 3, batch_size: 16, seed: 1}\ncheckpoint: {every_steps: 5}\n")
        rc, out = self.run("setup", ["train", "job.yaml", "--output", "ref", "--stop-at-step", "20"])
        rc, out = self.run("setup", ["train", "job.yaml", "--output", "ref", "--resume", "auto"])
        if rc != 0 or not os.path.exists(os.path.join(self.work, "ref/model/model.json")):
            sys.exit(f"fuzz: the reference run failed (rc {rc}): {out[-500:]}")
        self.model = os.path.join(self.work, "ref/model")
        self.features = "\n".join(",".join(l.split(",")[:4]) for l in self.iris.splitlines()) + "\n"
        with open(os.path.join(self.work, "features.csv"), "w") as f:
            f.write(self.features)
        rc, self.reference = self.run("setup", ["predict", self.model, "--input", "features.csv"])
        if rc != 0:
            sys.exit("fuzz: the reference prediction failed")

    # -- mutators ------------------------------------------------------------------------------
    def mutate_text(self, text):
        r = self.rng
        b = bytearray(text.encode())
        for _ in range(r.randint(1, 4)):
            op = r.randrange(7)
            i = r.randrange(max(1, len(b)))
            if op == 0 and b:
                b[i] = r.randrange(256)
            elif op == 1:
                b[i:i] = r.choice([b",", b"\n", b'"', b"\r", b"\x00", b"1e400", b"-0", b"nan", b"NA", b"\xff\xfe", b"," * 50,
                                   b"9" * 40, b"inf", b" ", b"\"\"\"", b"1.5e-320"])
            elif op == 2:
                del b[i:i + r.randint(1, 40)]
            elif op == 3:
                b = b[:i]
            elif op == 4:
                line = r.choice(text.splitlines() or [""]).encode() + b"\n"
                b[i:i] = line * r.randint(1, 200)
            elif op == 5:
                j = r.randrange(max(1, len(b)))
                b[i:i + 5], b[j:j + 5] = b[j:j + 5], b[i:i + 5]
            else:
                b += b"\n"
        return bytes(b)

    EXTREMES = ["9223372036854775807", "-9223372036854775808", "18446744073709551621", "1e19", "1e400", "-1", "0", "-0",
                ".inf", "-.inf", ".nan", "2147483648", "4294967296", "1e-320", "0.5", "abc", "[]", "{}", "[1, 2]",
                "[9223372036854775807]", "[0]", "[-1]", "[1e6, 1e6]", "''", "null", "true", "&a [*a]", "*x", "[[]]", "1e12"]
    KEYS = ["train.epochs", "train.batch_size", "train.max_steps", "train.eval_every", "train.clip_grad_norm", "train.seed",
            "train.collective_timeout", "train.optimizer.lr", "train.optimizer.eps", "train.optimizer.beta1", "train.optimizer.beta2",
            "train.optimizer.momentum", "train.optimizer.weight_decay", "train.schedule.name", "train.schedule.min_lr",
            "train.schedule.gamma", "train.schedule.step_size", "train.schedule.warmup_steps", "model.hidden", "model.dropout",
            "model.ridge", "parallel.bucket_mib", "parallel.first_bucket_mib", "parallel.micro_batches", "parallel.virtual_stages", "parallel.tensor",
            "checkpoint.every_steps", "checkpoint.every_seconds", "checkpoint.keep", "data.split.validation", "data.split.test",
            "data.split.seed", "data.preprocess.fill_value", "train.early_stopping.patience", "train.early_stopping.min_delta"]

    # -- case kinds ----------------------------------------------------------------------------
    def csv_train(self, n):
        with open(os.path.join(self.work, "m.csv"), "wb") as f:
            f.write(self.mutate_text(self.iris))
        shutil.rmtree(os.path.join(self.work, "out"), ignore_errors=True)
        self.run("csv-train", ["train", "job.yaml", "--set", "data.path=m.csv", "--set", "train.epochs=1", "--output", "out"])

    def csv_predict(self, n):
        data = self.mutate_text(self.features)
        with open(os.path.join(self.work, "m.csv"), "wb") as f:
            f.write(data)
        out = os.path.join(self.work, "pred.csv")
        if os.path.exists(out):
            os.remove(out)
        rc, _ = self.run("csv-predict", ["predict", self.model, "--input", "m.csv", "--output", "pred.csv"])
        if rc not in (None, 0) and os.path.exists(out):
            self.fail("csv-predict", data[:200], f"exit {rc} but left {out}")
        leftovers = [f for f in os.listdir(self.work) if f.startswith("pred.csv") and f != "pred.csv"]
        if leftovers:
            self.fail("csv-predict", data[:200], f"partial files left: {leftovers}")

    def configs(self, n):
        r = self.rng
        sets = []
        for _ in range(r.randint(1, 2)):
            sets += ["--set", f"{r.choice(self.KEYS)}={r.choice(self.EXTREMES)}"]
        shutil.rmtree(os.path.join(self.work, "cfg"), ignore_errors=True)
        self.run("config", ["train", "job.yaml", "--set", "train.max_steps=3"] + sets + ["--output", "cfg"])

    def model_files(self, n):
        r = self.rng
        d = os.path.join(self.work, "model")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(self.model, d)
        which = r.randrange(4)
        path = [""]
        if which == 0:   # bytes of the weights file
            p = os.path.join(d, "model.safetensors")
            with open(p, "rb") as f:
                b = bytearray(f.read())
            for _ in range(r.randint(1, 3)):
                b[r.randrange(len(b))] = r.randrange(256)
            with open(p, "wb") as f:
                f.write(b)
        elif which == 1:  # a shape in the header
            header, _ = tamper.read_st(os.path.join(d, "model.safetensors"))
            name = r.choice([k for k in header if k != "__metadata__"])
            shape = r.choice([[2 ** 62], [2 ** 64 + 5], [128.9], [-1], [0], [1e30], [2 ** 31, 2 ** 31], []])
            tamper.main(["", "shape", os.path.join(d, "model.safetensors"), name, json.dumps(shape)])
        elif which == 2:  # a weight value
            tamper.main(["", "weight", os.path.join(d, "model.safetensors"), str(r.randrange(8)), r.choice(["nan", "inf", "1e30", "0.123"])])
        else:             # a value in model.json
            p = os.path.join(d, "model.json")
            m = json.load(open(p))
            paths = []

            def walk(o, path):
                if isinstance(o, dict):
                    for k, v in o.items():
                        walk(v, path + [k])
                elif isinstance(o, list):
                    for i, v in enumerate(o[:6]):
                        walk(v, path + [str(i)])
                else:
                    paths.append(path)
            walk(m, [])
            path = r.choice(paths)
            value = json.loads(r.choice(["9223372036854775807", "-1", "1e308", "0", "\"x\"", "null", "[]", "128.9", "true", "1e400"]).replace("1e400", "1e308"))
            tamper.set_path(m, ".".join(path), value)
            json.dump(m, open(p, "w"))
            if path[0] not in ("architecture", "features", "encoded_inputs", "format_version", "task", "classes", "preprocessing"):
                which = 4   # other fields (metrics, lineage, drift) change no prediction; only no crash is required
        rc, out = self.run("model", ["predict", d, "--input", "features.csv"])
        if rc == 0 and (which in (0, 1, 2) or which == 3 and path[0] == "preprocessing") and out != self.reference:
            self.fail("model", f"mutation kind {which}", "exit 0 with predictions that differ from the intact model's")
        if rc == 0 and "nan" in out.lower():
            self.fail("model", f"mutation kind {which}", "exit 0 with nan predictions")

    def checkpoint(self, n):
        r = self.rng
        run = os.path.join(self.work, "ck")
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(os.path.join(self.work, "ref"), run)
        steps = sorted(int(s[5:]) for s in os.listdir(os.path.join(run, "checkpoints")) if s.startswith("step-") and not s.endswith(".tmp"))
        newest = os.path.join(run, "checkpoints", f"step-{steps[-1]}")
        if r.random() < 0.5:
            key = r.choice(["step", "epoch", "batch", "samples", "epoch_samples", "metrics_lines", "optimizer.step_count",
                            "model.parameters", "model.widths.1", "layout.world", "layout.dp", "epoch_loss_sum", "train_seconds",
                            "tensors.0.shape.0", "early_stopping.best_epoch"])
            value = r.choice([9223372036854775807, -1, 2 ** 62, 0, 1e30, -1e30, 128.9])
            try:
                tamper.main(["", "manifest", newest, key, json.dumps(value)])
            except (KeyError, IndexError, TypeError):
                return
        else:
            header, _ = tamper.read_st(os.path.join(newest, "tensors.safetensors"))
            name = r.choice([k for k in header if k != "__metadata__"])
            tamper.main(["", "shape", os.path.join(newest, "tensors.safetensors"), name, json.dumps(r.choice([[2 ** 62], [2 ** 64 + 5], [1.5], [0]]))])
        rc, out = self.run("checkpoint", ["train", "job.yaml", "--output", run, "--resume", "auto", "--set", "train.epochs=4"])

    # -- HTTP ----------------------------------------------------------------------------------
    def http(self, cases):
        port = 20000 + self.rng.randrange(20000)
        srv = subprocess.Popen([self.t, "serve", self.model, "--port", str(port), "--idle-timeout", "2"], cwd=self.work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                self.fail("http", "start", f"tandem serve did not listen on port {port} within 10 s")
                return
            fds = lambda: len(os.listdir(f"/proc/{srv.pid}/fd"))
            before = fds()
            body = b'{"rows": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}'
            valid = b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            chunked = b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
            for i in range(cases):
                req = self.mutate_text(self.rng.choice([valid, chunked]).decode("latin-1").replace("\n", "\n")) if i % 5 else \
                    self.rng.choice([b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
                                     chunked.replace(b"%x\r\n" % len(body), b"ffffffffffffffff\r\n"),
                                     chunked.replace(b"%x\r\n" % len(body), b"zz\r\n"), valid[:40]])
                self.counts["http"] = self.counts.get("http", 0) + 1
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                try:
                    s.sendall(req)
                    s.shutdown(socket.SHUT_WR)
                    reply = b""
                    while True:
                        d = s.recv(65536)
                        if not d:
                            break
                        reply += d
                except socket.timeout:
                    self.fail("http", req[:200], "no answer and no close within 5 s")
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    reply = b""
                finally:
                    s.close()
                if reply[:12] in (b"HTTP/1.1 500", b"HTTP/1.1 502", b"HTTP/1.1 503") or b" 500 " in reply[:20]:
                    self.fail("http", req[:200], f"answered {reply[:60]!r}")
                if srv.poll() is not None:
                    self.fail("http", req[:200], f"the server exited ({srv.returncode})")
                    return
            time.sleep(3)   # past the idle timeout: every connection must be gone
            after = fds()
            if after > before + 2:
                self.fail("http", f"{cases} requests", f"server descriptors grew from {before} to {after}")
        finally:
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(timeout=10)
            except subprocess.TimeoutExpired:
                srv.kill()
                self.fail("http", "SIGTERM", "the server did not stop within 10 s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=30, help="file cases (HTTP gets 5x as many requests)")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    f = Fuzz(args)
    f.setup()
    kinds = [f.csv_train, f.csv_predict, f.configs, f.model_files, f.checkpoint]
    start = time.time()
    for n in range(args.cases):
        kinds[n % len(kinds)](n)
    f.http(5 * args.cases)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(f.counts.items()))
    print(f"fuzz: seed {args.seed}: {counts}; {len(f.failures)} failures in {time.time() - start:.0f} s")
    for x in f.failures:
        print("FAIL " + x)
    sys.exit(1 if f.failures else 0)


if __name__ == "__main__":
    main()
