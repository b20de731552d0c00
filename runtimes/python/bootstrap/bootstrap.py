"""OpenFunctionGraph Python 3 runtime bootstrap.

Implements the invoker <-> container wire protocol of libs/contracts/src/runtime/runtime-protocol.ts:
  GET /health, PUT /code (uncompressed tar), POST /init, POST /invoke.
Standard library only, so it runs on any python3 (>= 3.7) with nothing installed. Mirrors
runtimes/nodejs/bootstrap/bootstrap.js: same bodies, error shapes and log lines.
"""
import asyncio
import contextvars
import datetime
import importlib
import importlib.util
import inspect
import io
import json
import os
import signal
import sys
import tarfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_PORT = 31000
DEFAULT_CODE_ROOT = "/opt/function/code"
LOG_CAP_BYTES = 1024 * 1024
# Room kept for the Start/Finish lines and the truncation marker so a whole log stays within LOG_CAP_BYTES.
LOG_BODY_CAP_BYTES = LOG_CAP_BYTES - 1024
# FunctionGraph caps initializer_timeout at 300 s; the invoker always sends its own value.
DEFAULT_INITIALIZER_TIMEOUT_MS = 300 * 1000
# The OTC reference context falls back to 3000 ms when RUNTIME_TIMEOUT is unset.
DEFAULT_INVOKE_TIMEOUT_MS = 3000
LOG_LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40}
BOOTSTRAP_FILE = os.path.abspath(__file__)


def env_int(name, fallback):
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return fallback
    return int(value) if value > 0 else fallback


MAX_JSON_BODY_BYTES = env_int("RUNTIME_MAX_REQUEST_BYTES", 64 * 1024 * 1024)
MAX_CODE_BODY_BYTES = env_int("RUNTIME_MAX_CODE_BYTES", 1024 * 1024 * 1024)
# Captured once: /init may carry RUNTIME_CODE_ROOT again, but the code was already unpacked here.
CODE_ROOT = os.path.realpath(os.environ.get("RUNTIME_CODE_ROOT") or DEFAULT_CODE_ROOT)


def iso_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def round3(n):
    return round(n * 1000) / 1000


def duration_ms(start_ns):
    return (time.perf_counter_ns() - start_ns) / 1e6


# ---------------------------------------------------------------------------------------------
# Per-request log capture
# ---------------------------------------------------------------------------------------------


class LogBuffer:
    """Bounded log of one request: keeps the newest cap bytes and counts what it dropped."""

    def __init__(self, cap_bytes):
        self.cap_bytes = cap_bytes
        self.chunks = []
        self.bytes = 0
        self.dropped = 0
        self.closed = False
        self.lock = threading.Lock()

    def append(self, text):
        if not text:
            return
        data = text.encode("utf-8", "replace")
        with self.lock:
            if self.closed:
                return
            if len(data) > self.cap_bytes:
                # One oversized write: keep only its tail.
                self.dropped += len(data) - self.cap_bytes
                data = data[-self.cap_bytes :]
            self.chunks.append(data)
            self.bytes += len(data)
            while self.bytes > self.cap_bytes and len(self.chunks) > 1:
                head = self.chunks.pop(0)
                self.bytes -= len(head)
                self.dropped += len(head)

    def close(self):
        with self.lock:
            self.closed = True

    def text(self):
        with self.lock:
            data = b"".join(self.chunks)
            dropped = self.dropped
        # A tail cut in the middle of a character loses only that character.
        text = data.decode("utf-8", "ignore") if dropped else data.decode("utf-8", "replace")
        return "[log truncated: %d bytes dropped]\n%s" % (dropped, text) if dropped > 0 else text


current_log = contextvars.ContextVar("ofg_current_log", default=None)


class StreamProxy(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr: every write also lands in the running request's log."""

    def __init__(self, real):
        super().__init__()
        self._real = real

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        log = current_log.get()
        if log is not None:
            log.append(text)
        try:
            self._real.write(text)
            self._real.flush()
        except (OSError, ValueError):
            # A closed stdout pipe must not take the whole runtime down.
            pass
        return len(text)

    def flush(self):
        try:
            self._real.flush()
        except (OSError, ValueError):
            pass

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._real.fileno()

    @property
    def encoding(self):
        return getattr(self._real, "encoding", "utf-8")

    @property
    def buffer(self):
        return self._real.buffer


REAL_STDOUT = sys.stdout
REAL_STDERR = sys.stderr


def real_stdout_write(text):
    try:
        REAL_STDOUT.write(text)
        REAL_STDOUT.flush()
    except (OSError, ValueError):
        pass


def install_log_capture():
    sys.stdout = StreamProxy(REAL_STDOUT)
    sys.stderr = StreamProxy(REAL_STDERR)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def error_text(err):
    if isinstance(err, BaseException):
        text = str(err)
        return text if text else type(err).__name__
    return str(err)


def stack_lines(err):
    if not isinstance(err, BaseException) or err.__traceback__ is None:
        return []
    frames = [
        f
        for f in traceback.extract_tb(err.__traceback__)
        if os.path.abspath(f.filename) != BOOTSTRAP_FILE and not f.filename.startswith("<frozen")
    ]
    return [line.strip() for line in traceback.format_list(frames)]


def invocation_error(err):
    return {
        "errorMessage": "function invocation exception, error: %s" % error_text(err),
        "errorType": type(err).__name__,
        "stackTrace": stack_lines(err),
    }


def initialization_error(err):
    return {
        "errorMessage": "function initialization exception: %s" % error_text(err),
        "errorType": type(err).__name__,
        "stackTrace": stack_lines(err),
    }


class RuntimeFailure(Exception):
    """A failure of the runtime itself (bad handler string, missing module or function), already in wire shape."""

    def __init__(self, error_type, message, cause=None):
        super().__init__(message)
        self.wire = {"errorMessage": message, "errorType": error_type, "stackTrace": stack_lines(cause)}


# ---------------------------------------------------------------------------------------------
# Context object (contract section 5.3)
# ---------------------------------------------------------------------------------------------


def user_data():
    try:
        parsed = json.loads(os.environ.get("RUNTIME_USERDATA") or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class RuntimeLogger:
    def __init__(self, request_id, log):
        self._request_id = request_id
        self._log = log
        configured = str(os.environ.get("RUNTIME_LOG_LEVEL") or "INFO").upper()
        self._threshold = LOG_LEVELS.get(configured, LOG_LEVELS["INFO"])

    def _emit(self, level, args):
        if LOG_LEVELS[level] < self._threshold:
            return
        line = "%s %s %s %s\n" % (iso_now(), self._request_id, level, " ".join(str(a) for a in args))
        # Written straight into this request's log: correct even from a thread the handler started.
        self._log.append(line)
        real_stdout_write(line)

    def debug(self, *args):
        self._emit("DEBUG", args)

    def info(self, *args):
        self._emit("INFO", args)

    def warn(self, *args):
        self._emit("WARN", args)

    warning = warn

    def error(self, *args):
        self._emit("ERROR", args)

    def setLevel(self, level):  # noqa: N802 - name fixed by the FunctionGraph contract
        wanted = LOG_LEVELS.get(str(level).upper())
        if wanted:
            self._threshold = wanted


class RuntimeContext:
    """The FunctionGraph context; camelCase method names as in the Node.js runtime (spec 5.3)."""

    def __init__(self, request_id, timeout_ms, start_s, log, credentials=None, alias=None):
        self._request_id = request_id
        self._timeout_ms = timeout_ms
        self._start_s = start_s
        self._creds = credentials if isinstance(credentials, dict) else {}
        self._alias = alias if isinstance(alias, str) else ""
        self._logger = RuntimeLogger(request_id, log)

    def _cred(self, key):
        value = self._creds.get(key)
        return value if isinstance(value, str) else ""

    def getRequestID(self):  # noqa: N802
        return self._request_id

    def getRemainingTimeInMilliSeconds(self):  # noqa: N802
        return int(self._timeout_ms + self._start_s * 1000 - time.time() * 1000)

    # Deprecated upstream ("no longer maintained"); the platform never hands out permanent AK/SK.
    def getAccessKey(self):  # noqa: N802
        return ""

    def getSecretKey(self):  # noqa: N802
        return ""

    def getSecurityAccessKey(self):  # noqa: N802
        return self._cred("accessKey")

    def getSecuritySecretKey(self):  # noqa: N802
        return self._cred("secretKey")

    def getSecurityToken(self):  # noqa: N802
        return self._cred("securityToken")

    def getToken(self):  # noqa: N802
        return self._cred("authToken")

    def getUserData(self, key, default=None):  # noqa: N802
        data = user_data()
        if key in data:
            return data[key]
        return os.environ.get(key, default)

    def getFunctionName(self):  # noqa: N802
        return os.environ.get("RUNTIME_FUNC_NAME", "")

    # Choice: the configured timeout in seconds, as the name says (same as the Node.js runtime).
    def getRunningTimeInSeconds(self):  # noqa: N802
        try:
            seconds = float(os.environ.get("RUNTIME_TIMEOUT", ""))
        except ValueError:
            seconds = 0
        if seconds > 0:
            return int(seconds) if seconds.is_integer() else seconds
        return self._timeout_ms / 1000

    def getVersion(self):  # noqa: N802
        return os.environ.get("RUNTIME_FUNC_VERSION") or "latest"

    # Strings, as in the Node.js runtime (RUNTIME_MEMORY / RUNTIME_CPU are strings).
    def getMemorySize(self):  # noqa: N802
        return os.environ.get("RUNTIME_MEMORY") or "0"

    def getCPUNumber(self):  # noqa: N802
        return os.environ.get("RUNTIME_CPU") or "0"

    def getPackage(self):  # noqa: N802
        return os.environ.get("RUNTIME_PACKAGE", "")

    def getProjectID(self):  # noqa: N802
        return os.environ.get("RUNTIME_PROJECT_ID", "")

    def getAlias(self):  # noqa: N802
        return self._alias

    def getLogger(self):  # noqa: N802
        return self._logger


# ---------------------------------------------------------------------------------------------
# Handler loading
# ---------------------------------------------------------------------------------------------


def parse_handler_spec(spec, what):
    dot = spec.rfind(".") if isinstance(spec, str) else -1
    if dot <= 0 or dot == len(spec) - 1 or spec.rfind("/") > dot:
        raise RuntimeFailure("InvalidHandler", "invalid %s '%s': expected <file>.<function>" % (what, spec))
    return spec[:dot], spec[dot + 1 :]


def import_module_file(module_path):
    file_path = os.path.realpath(os.path.join(CODE_ROOT, module_path + ".py"))
    if not file_path.startswith(CODE_ROOT + os.sep):
        raise RuntimeFailure("ImportModuleError", "module '%s' is outside the code root" % module_path)
    parts = [p for p in module_path.split("/") if p]
    dotted = ".".join(parts)
    if dotted in sys.modules:
        return sys.modules[dotted]
    if not os.path.isfile(file_path):
        raise ModuleNotFoundError("No module named '%s' (%s not found)" % (dotted, file_path))
    # Regular import when the path is a valid dotted name, so packages and relative imports behave.
    if all(p.isidentifier() for p in parts):
        return importlib.import_module(dotted)
    spec = importlib.util.spec_from_file_location(dotted, file_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[dotted] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[dotted]
        raise
    return module


def load_function(spec, what):
    module_path, name = parse_handler_spec(spec, what)
    try:
        module = import_module_file(module_path)
    except RuntimeFailure:
        raise
    except Exception as err:
        raise RuntimeFailure(
            "ImportModuleError",
            "failed to import module '%s' for %s '%s': %s" % (module_path, what, spec, error_text(err)),
            err,
        )
    fn = getattr(module, name, None)
    if not callable(fn):
        raise RuntimeFailure(
            "HandlerNotFound",
            "%s '%s' not found: module '%s' has no function '%s'" % (what, spec, module_path, name),
        )
    return fn


def call_user(fn, args):
    value = fn(*args)
    if inspect.iscoroutine(value):
        value = asyncio.run(value)
    return value


def run_with_timeout(fn, args, log, timeout_ms, on_error, timeout_error):
    """Runs fn in its own thread with the request's log; reports a timeout and leaves recycling to the invoker."""
    outcome = {}

    def target():
        current_log.set(log)
        try:
            outcome["value"] = call_user(fn, args)
            outcome["ok"] = True
        except BaseException as err:  # noqa: B902 - SystemExit from user code fails the request, not the runtime
            outcome["ok"] = False
            outcome["error"] = on_error(err)

    worker = threading.Thread(target=contextvars.copy_context().run, args=(target,), daemon=True)
    worker.start()
    worker.join(timeout_ms / 1000)
    if worker.is_alive():
        return {"ok": False, "error": timeout_error}
    return outcome


# ---------------------------------------------------------------------------------------------
# Init
# ---------------------------------------------------------------------------------------------

state = {"handler": None, "failure": None}
init_lock = threading.Lock()


def run_init(request):
    start_ns = time.perf_counter_ns()
    env = request.get("env")
    if isinstance(env, dict):
        for key, value in env.items():
            if isinstance(key, str) and key and "=" not in key and "\0" not in key:
                os.environ[key] = value if isinstance(value, str) else json.dumps(value)
    os.environ["RUNTIME_CODE_ROOT"] = CODE_ROOT
    handler = request.get("handler")
    if isinstance(handler, str) and handler:
        os.environ["RUNTIME_HANDLER"] = handler

    request_id = str(uuid.uuid4())
    log = LogBuffer(LOG_BODY_CAP_BYTES)

    def finish(error):
        log.close()
        response = {"ok": error is None, "durationMs": round3(duration_ms(start_ns)), "log": log.text()}
        if error is not None:
            response["error"] = error
        return response

    token = current_log.set(log)
    try:
        # Module top-level code runs here, so its output belongs to the init log.
        fn = load_function(handler, "handler")
        initializer = load_function(request["initializer"], "initializer") if request.get("initializer") else None
    except RuntimeFailure as err:
        return finish(err.wire)
    except BaseException as err:  # noqa: B902
        return finish(initialization_error(err))
    finally:
        current_log.reset(token)

    if initializer is not None:
        timeout_ms = request.get("initializerTimeoutMs")
        if not isinstance(timeout_ms, (int, float)) or timeout_ms <= 0:
            timeout_ms = env_int("RUNTIME_INITIALIZER_TIMEOUT", 0) * 1000 or DEFAULT_INITIALIZER_TIMEOUT_MS
        context = RuntimeContext(request_id, timeout_ms, time.time(), log)
        outcome = run_with_timeout(
            initializer,
            [context],
            log,
            timeout_ms,
            initialization_error,
            {
                "errorMessage": "function initialization exception: initializer timed out after %sms" % fmt_ms(timeout_ms),
                "errorType": "InitializerTimeout",
            },
        )
        if not outcome["ok"]:
            return finish(outcome["error"])
    state["handler"] = fn
    return finish(None)


def fmt_ms(ms):
    return str(int(ms)) if float(ms).is_integer() else str(ms)


def handle_init(request):
    if state["handler"] is not None:
        return {"ok": True, "durationMs": 0, "log": ""}
    # Concurrent /init calls wait for one attempt; a failed attempt may be retried by the next /init.
    with init_lock:
        if state["handler"] is not None:
            return {"ok": True, "durationMs": 0, "log": ""}
        response = run_init(request)
        state["failure"] = None if response["ok"] else response["error"]
        return response


def ensure_handler():
    """The handler for an invocation; runs an implicit init from RUNTIME_HANDLER when /init was never called."""
    if state["handler"] is not None:
        return state["handler"], None, ""
    log = ""
    if state["failure"] is None:
        response = handle_init(
            {
                "handler": os.environ.get("RUNTIME_HANDLER") or "index.handler",
                "initializer": os.environ.get("RUNTIME_INITIALIZER") or None,
                "env": {},
            }
        )
        log = response["log"]
    if state["handler"] is not None:
        return state["handler"], None, log
    return None, state["failure"] or {"errorMessage": "function is not initialized", "errorType": "InitError"}, log


# ---------------------------------------------------------------------------------------------
# Invoke
# ---------------------------------------------------------------------------------------------


def parse_event(event):
    if not isinstance(event, str):
        return {} if event is None else event
    try:
        return json.loads(event)
    except ValueError:
        return event


def serialize_result(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return json.dumps(value)


def memory_used_mb():
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return round3(pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024))
    except (OSError, ValueError, IndexError):
        import resource

        return round3(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def handle_invoke(request):
    start_ns = time.perf_counter_ns()
    start_s = time.time()
    request_id = request["requestId"]
    timeout_ms = request.get("timeoutMs")
    if not isinstance(timeout_ms, (int, float)) or isinstance(timeout_ms, bool) or timeout_ms <= 0:
        timeout_ms = env_int("RUNTIME_TIMEOUT", 0) * 1000 or DEFAULT_INVOKE_TIMEOUT_MS
    start_line = "%s Start invoke request '%s', version: %s\n" % (
        iso_now(),
        request_id,
        os.environ.get("RUNTIME_FUNC_VERSION") or "latest",
    )
    real_stdout_write(start_line)
    log = LogBuffer(LOG_BODY_CAP_BYTES)

    fn, load_error, init_log = ensure_handler()
    log.append(init_log)
    if load_error is not None:
        outcome = {"ok": False, "error": load_error}
    else:
        context = RuntimeContext(request_id, timeout_ms, start_s, log, request.get("credentials"), request.get("alias"))
        outcome = run_with_timeout(
            fn,
            [parse_event(request.get("event")), context],
            log,
            timeout_ms,
            invocation_error,
            {
                "errorMessage": "function invocation exception, error: invocation timed out after %sms" % fmt_ms(timeout_ms),
                "errorType": "TimeoutError",
            },
        )
    log.close()

    result = None
    if outcome["ok"]:
        try:
            result = serialize_result(outcome["value"])
        except Exception as err:  # noqa: B902 - json.dumps failures are the function's error
            outcome = {"ok": False, "error": invocation_error(err)}
    elapsed = duration_ms(start_ns)
    memory = memory_used_mb()
    finish_line = (
        "%s Finish invoke request '%s', duration: %.3fms, billing duration: %dms, memory used: %.3fMB, "
        "billing memory: %sMB\n"
        % (iso_now(), request_id, elapsed, -(-elapsed // 1), memory, os.environ.get("RUNTIME_MEMORY") or "0")
    )
    real_stdout_write(finish_line)

    response = {
        "status": "success" if outcome["ok"] else "error",
        "log": start_line + log.text() + finish_line,
        "durationMs": round3(elapsed),
        "memoryUsedMb": memory,
    }
    if outcome["ok"]:
        response["result"] = result
    else:
        response["error"] = outcome["error"]
    return response


# ---------------------------------------------------------------------------------------------
# Code upload
# ---------------------------------------------------------------------------------------------


class BadArchiveError(Exception):
    pass


def entry_path(name):
    """Safe relative path of an entry, '' for the archive root; rejects absolute paths and `..`."""
    if "\0" in name:
        raise BadArchiveError("invalid entry name '%s'" % name)
    if name.startswith("/"):
        raise BadArchiveError("absolute path not allowed: '%s'" % name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BadArchiveError("path traversal not allowed: '%s'" % name)
    return "/".join(parts)


def parse_tar(body):
    """Reads and validates the whole archive into file and directory entries (nothing is written)."""
    if not body:
        raise BadArchiveError("empty archive")
    entries = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:") as archive:
            for member in archive:
                if member.issym() or member.islnk():
                    raise BadArchiveError("links are not allowed: '%s'" % member.name)
                if not (member.isfile() or member.isdir()):
                    raise BadArchiveError("unsupported entry type for '%s'" % member.name)
                rel = entry_path(member.name)
                mode = member.mode & 0o777
                if member.isdir():
                    if rel:
                        entries[rel] = {"kind": "dir", "rel": rel, "mode": mode}
                    continue
                if not rel:
                    raise BadArchiveError("file entry without a name: '%s'" % member.name)
                data = archive.extractfile(member).read()
                entries[rel] = {"kind": "file", "rel": rel, "mode": mode, "data": data}
    except tarfile.TarError as err:
        raise BadArchiveError(str(err) or "invalid tar archive")
    if not entries and len(body) >= 512 and body[:512] != b"\0" * 512:
        raise BadArchiveError("invalid tar archive")
    # A path cannot be both a file and a directory (or a file's child).
    for entry in entries.values():
        parts = entry["rel"].split("/")
        for i in range(1, len(parts)):
            ancestor = entries.get("/".join(parts[:i]))
            if ancestor is not None and ancestor["kind"] == "file":
                raise BadArchiveError("'%s' is inside '%s', which is a file" % (entry["rel"], ancestor["rel"]))
    return list(entries.values())


def remove_tree(target):
    if os.path.isdir(target) and not os.path.islink(target):
        import shutil

        shutil.rmtree(target)
    else:
        os.unlink(target)


def extract_tar(body):
    entries = parse_tar(body)
    os.makedirs(CODE_ROOT, exist_ok=True)
    files = 0
    size = 0
    dir_modes = []
    for entry in entries:
        target = os.path.join(CODE_ROOT, entry["rel"])
        if entry["kind"] == "dir":
            if os.path.lexists(target) and (os.path.islink(target) or not os.path.isdir(target)):
                remove_tree(target)
            os.makedirs(target, mode=0o755, exist_ok=True)
            # Owner r-x kept so the runtime user can always load the code; applied last so children can be written.
            dir_modes.append((target, entry["mode"] | 0o500))
            continue
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        # Never write through a link or over a directory left by an earlier upload.
        if os.path.lexists(target) and (os.path.islink(target) or not os.path.isfile(target)):
            remove_tree(target)
        mode = entry["mode"] | 0o400
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), mode)
        with os.fdopen(fd, "wb") as out:
            out.write(entry["data"])
        os.chmod(target, mode)
        files += 1
        size += len(entry["data"])
    for target, mode in sorted(dir_modes, key=lambda item: -len(item[0])):
        os.chmod(target, mode)
    importlib.invalidate_caches()
    return {"files": files, "bytes": size}


# ---------------------------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------------------------


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


ROUTES = {"/health": "GET", "/code": "PUT", "/init": "POST", "/invoke": "POST"}


class BootstrapRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each answer waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    server_version = "ofg-python-bootstrap"

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        # Access logs would land in the function's stdout; the invoker logs requests itself.
        pass

    def do_GET(self):  # noqa: N802
        self.dispatch()

    def do_PUT(self):  # noqa: N802
        self.dispatch()

    def do_POST(self):  # noqa: N802
        self.dispatch()

    def do_DELETE(self):  # noqa: N802
        self.dispatch()

    def do_PATCH(self):  # noqa: N802
        self.dispatch()

    def dispatch(self):
        # Per-request log state must not leak between keep-alive requests on one connection thread.
        current_log.set(None)
        try:
            status, body = self.route()
        except HttpError as err:
            status, body = err.status, {"errorMessage": str(err)}
        except Exception as err:  # noqa: B902
            status, body = 500, {"errorMessage": error_text(err)}
        self.send_json(status, body)

    def read_body(self, limit):
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self.read_chunked(limit)
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise HttpError(400, "invalid Content-Length")
        if length > limit:
            self.close_connection = True
            raise HttpError(413, "request body larger than %d bytes" % limit)
        return self.rfile.read(length)

    def read_chunked(self, limit):
        chunks = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            total += size
            if total > limit:
                self.close_connection = True
                raise HttpError(413, "request body larger than %d bytes" % limit)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        return b"".join(chunks)

    def read_json(self):
        body = self.read_body(MAX_JSON_BODY_BYTES)
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as err:
            raise HttpError(400, "invalid JSON body: %s" % err)
        if not isinstance(parsed, dict):
            raise HttpError(400, "request body must be a JSON object")
        return parsed

    def route(self):
        path = self.path.split("?")[0]
        method = self.command
        if path not in ROUTES:
            raise HttpError(404, "no route for %s %s" % (method, path))
        if ROUTES[path] != method:
            raise HttpError(405, "%s not allowed on %s" % (method, path))
        if path == "/health":
            return 200, {"ready": True}
        if path == "/code":
            body = self.read_body(MAX_CODE_BODY_BYTES)
            try:
                return 200, extract_tar(body)
            except BadArchiveError as err:
                raise HttpError(400, "bad code archive: %s" % err)
            except OSError as err:
                raise HttpError(500, "failed to unpack code archive: %s" % err)
        request = self.read_json()
        if path == "/init":
            if not isinstance(request.get("handler"), str) or not request["handler"]:
                raise HttpError(400, "handler must be a non-empty string")
            return 200, handle_init(request)
        if not isinstance(request.get("requestId"), str) or not request["requestId"]:
            raise HttpError(400, "requestId must be a non-empty string")
        return 200, handle_invoke(request)

    def send_json(self, status, body):
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class BootstrapServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    install_log_capture()
    if CODE_ROOT not in sys.path:
        sys.path.insert(0, CODE_ROOT)
    # Dependencies merged into the code root may keep their packages under python/ (runtime-protocol.ts).
    python_deps = os.path.join(CODE_ROOT, "python")
    if python_deps not in sys.path:
        sys.path.insert(sys.path.index(CODE_ROOT) + 1, python_deps)
    # PID 1 in a container gets no default signal handling.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: os._exit(0))
    raw_port = os.environ.get("BOOTSTRAP_PORT", "")
    port = int(raw_port) if raw_port != "" else DEFAULT_PORT
    host = os.environ.get("BOOTSTRAP_HOST") or "0.0.0.0"
    server = BootstrapServer((host, port), BootstrapRequestHandler)
    real_stdout_write(
        "%s bootstrap listening on %s:%d, code root %s\n" % (iso_now(), host, server.server_address[1], CODE_ROOT)
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
