"""The watcher's loop: poll every source, import each batch, refresh the rollups, call the hook.

Per batch (:meth:`Watcher._import`):

1. the rollups' fingerprint is taken (:func:`core.rollup.build.fingerprint_before_import`);
2. the batch's files go through the importer (:func:`core.ingest.pipeline.import_files`: formats,
   mappings, hashing, rejects, balance), and the source's new position is written in the same
   transaction (its ``before_commit`` hook, :mod:`core.watch.positions`);
3. the rollups are refreshed for the days the batch touched
   (:func:`core.rollup.build.refresh_after_import`; if that fails, e.g. the database is busy, it is
   tried again at the next poll);
4. the hook (by default an :class:`AlertsHook`: the ``--alerts`` rules evaluated, see
   :func:`after_batch`) is called with a :class:`BatchInfo`, once it is known whether another batch
   of the source follows in this poll (:attr:`BatchInfo.more`).

Crash safety: a crash before step 2's commit leaves rows and position as they were (the batch is read
again); after it, both are stored. Rows read again anyway (a table source's overlap) are duplicates of
the stored ones, which the importer counts and skips. Rollups left stale by a crash between steps 2
and 3 are rebuilt when the watcher starts (:meth:`Watcher.start`).

DuckDB: the watcher holds no connection between batches; each step opens the file and closes it
(connections of a DuckDB engine are not pooled, see :func:`core.infra.db.make_engine`), and every
opener waits while another process holds the file (:func:`core.infra.db.lock_wait`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.alerts import AlertConfig, AlertRulesError, evaluate_alerts, load_alert_rules
from core.infra import db
from core.infra.schema import watch_positions
from core.ingest.common import IngestError
from core.ingest.pipeline import ImportReport, import_files
from core.ingest.rejects import RejectsWriter, rejects_path
from core.ingest.sink import Sink
from core.pagedata.today import clock as beijing_clock
from core.rollup import build as rollup_build
from core.semantic import rollup
from core.watch import positions
from core.watch.sources import Source, Step, open_source
from core.watch.specs import Spec

DEFAULT_EVERY = 30.0
#: Steps of one source per poll (a first start on a large file or table catches up over several polls).
MAX_STEPS = 100


@dataclass
class BatchInfo:
    """What :func:`after_batch` is told after each committed batch (and once per poll without one).

    * ``source`` — the source's key (e.g. ``file:/var/log/asterisk/cdr-csv/Master.csv``), ``None``
      for the once-per-poll call made when no source had anything new;
    * ``report`` — the import's report (counts, ``call_days`` touched), ``None`` likewise;
    * ``note`` — what was read (``bytes 0-1234``, a file's name, ``5 new rows, 0 read again``);
    * ``alerts`` — the ``--alerts FILE`` given to the watcher, or ``None``;
    * ``refresh_seconds`` — how long the rollup refresh took (``None``: nothing to refresh, or failed);
    * ``at`` — when the batch was committed: an aware time (the watcher's clock, by default
      :func:`core.pagedata.today.clock`: Beijing time, or ``CALLCENTER_NOW``), the alerts' ``now``;
    * ``more`` — another batch of the same source follows in this poll (a catch-up: a folder of
      several files, a file or table read in several steps); the hook is told of a batch once the
      next one committed or none follows, so the alerts evaluate after the last one only.
    """

    source: str | None
    report: ImportReport | None
    note: str = ""
    alerts: Path | None = None
    refresh_seconds: float | None = None
    at: datetime = field(default_factory=beijing_clock)
    more: bool = False


class AlertsHook:
    """The watcher's default hook: evaluate the alert rules of ``--alerts FILE``
    (:attr:`BatchInfo.alerts`) with :func:`core.alerts.evaluate_alerts` at :attr:`BatchInfo.at`,
    after every batch and once per poll without one (the timer). Nothing when no file is given, nor
    after a batch another of the same source follows (:attr:`BatchInfo.more`: a catch-up evaluates
    once, after its last batch, instead of once per file or step).

    The rules file is read once, and again only when it changes (its modification time, size or
    inode: an edited or replaced file takes effect at the next poll). A file that became bad (not
    TOML, a wrong value, removed) is reported once per change, on one line, and the last good rules
    keep running until it is fixed; a file bad from the first read evaluates nothing until it is
    fixed (``python -m core watch`` refuses to start with one). Each event logged is one line of
    ``say``; ``warn`` gets the reports.
    """

    def __init__(
        self,
        say: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.say = say or _stdout
        self.warn = warn or _stderr
        #: rules file → (its signature when last read, the last good rules read from it).
        self._cache: dict[Path, tuple[tuple[int, int, int] | None, AlertConfig | None]] = {}

    def config(self, path: Path) -> AlertConfig | None:
        """The rules of ``path``: read again when it changed; the last good ones when it became bad."""
        sig = _signature(path)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == sig:
            return cached[1]
        last_good = cached[1] if cached is not None else None
        try:
            config = load_alert_rules(path)
        except AlertRulesError as exc:
            self._cache[path] = (sig, last_good)
            keep = (
                "上次有效的规则继续生效 / the last good rules keep running"
                if last_good is not None
                else "修正之前不评估告警 / no alert is evaluated until it is fixed"
            )
            self.warn(f"alerts: {_one_line(exc)}; {keep}")
            return last_good
        if cached is not None:
            self.say(f"alerts: {path} read again: {len(config.rules)} rules, {len(config.channels)} channels")
        self._cache[path] = (sig, config)
        return config

    def __call__(self, engine: Engine, batch_info: BatchInfo) -> None:
        if batch_info.alerts is None or batch_info.more:
            return
        config = self.config(batch_info.alerts)
        if config is None:
            return
        for e in evaluate_alerts(engine, config, now=batch_info.at):
            value = "" if e.value is None else f" {e.value:g}"
            self.say(f"alerts: {e.kind} {e.rule_id} {e.entity_kind} {e.entity or '-'}{value} ({e.day})")


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _stdout(text: str) -> None:
    _stamped(sys.stdout, text)


def _stderr(text: str) -> None:
    _stamped(sys.stderr, text)


def _stamped(stream: IO[str], text: str) -> None:
    stream.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} {text}\n")
    stream.flush()


_default_hook = AlertsHook()


def after_batch(engine: Engine, batch_info: BatchInfo) -> None:
    """The extension point run after every committed batch, and once per poll when no source had
    anything new (so a timer-driven evaluation needs no thread of its own): evaluates the alert rules
    of ``--alerts FILE`` (:attr:`BatchInfo.alerts`; nothing without one) at :attr:`BatchInfo.at`, by a
    module-wide :class:`AlertsHook` (a :class:`Watcher` without a ``hook`` has its own, which logs to
    the watcher's streams).

    Another extension passes its own function as the ``hook`` of :class:`Watcher` (calling this one
    to keep the alerts). It is called outside any transaction, with ``engine`` the watched database's
    engine: on DuckDB open it only for as long as needed (``with engine.begin() as conn: …``) so the
    app and the CLI get their turn. An exception it raises is logged and never stops ingestion.
    """
    _default_hook(engine, batch_info)


Hook = Callable[[Engine, BatchInfo], None]


class Watcher:
    """Watches ``specs`` for the database ``url`` (see the module docstring).

    ``hook`` is called after each batch (default: an :class:`AlertsHook` evaluating ``alerts``);
    ``clock`` gives each batch's time (default :func:`core.pagedata.today.clock`; tests pin it).
    """

    def __init__(
        self,
        url: str,
        specs: Sequence[Spec],
        *,
        alerts: Path | None = None,
        rejects_dir: Path | None = None,
        hook: Hook | None = None,
        out: IO[str] | None = None,
        err: IO[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.url = url
        self.engine = db.make_engine(url)
        self.specs = list(specs)
        self.sources: list[Source] = [open_source(s) for s in specs]
        self.alerts = alerts
        self.rejects_dir = rejects_dir or db.PROJECT_ROOT / "data" / "rejects"
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.hook = hook or AlertsHook(self._say, self._warn)
        #: The time of each batch (:attr:`BatchInfo.at`), aware; a naive one is taken as Beijing time.
        self.clock = clock or beijing_clock
        #: source key → (seq, position) as last committed (read from the table when missing).
        self.known: dict[str, tuple[int, dict[str, Any] | None]] = {}
        #: Days and customers whose rollup refresh failed, done again at the next poll.
        self.pending_days: set[date] = set()
        self.pending_customers: set[str] = set()
        self.stop = threading.Event()
        self.started = False

    # -- logging ------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        _stamped(self.out, text)

    def _warn(self, text: str) -> None:
        _stamped(self.err, text)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Create the positions table when missing, and rebuild rollups a crash left stale."""
        positions.ensure_table(self.engine)
        with self.engine.connect() as conn:
            stale = (
                rollup.supported(conn)
                and sa.inspect(conn).has_table("calls")
                and rollup.built(conn)
                and not rollup.current(conn)
            )
        if stale:
            seconds = rollup_build.refresh(self.engine)
            self._say(f"rollups were stale (an interrupted batch?): rebuilt in {seconds or 0:.1f}s")
        self.started = True

    def close(self) -> None:
        for source in self.sources:
            closer = getattr(source, "close", None)
            if closer is not None:
                closer()
        self.engine.dispose()

    def run(self, *, every: float = DEFAULT_EVERY, once: bool = False) -> int:
        """Poll until stopped (SIGTERM or SIGINT finish the batch under way first); with ``once``, poll
        once. Returns 0, or 2 when ``once`` and a source failed."""
        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: self.stop.set())
        try:
            while True:
                failures = self.poll()
                if once:
                    return 2 if failures else 0
                if self.stop.wait(every):
                    return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # -- one poll -----------------------------------------------------------------------------

    def poll(self) -> int:
        """Poll every source once; return how many failed (each failure logged, none stops the rest)."""
        failures = 0
        try:
            if not self.started:
                self.start()
            self._refresh_pending()
        except (db.DatabaseError, IngestError, sa.exc.SQLAlchemyError, OSError) as exc:
            self._warn(f"error: {_one_line(exc)}")
            return len(self.sources)
        batches = 0
        for spec, source in zip(self.specs, self.sources, strict=True):
            try:
                batches += self._poll_source(spec, source)
            except Exception as exc:  # noqa: BLE001 - one source's failure never stops the others
                failures += 1
                self.known.pop(spec.key, None)  # read the stored position again next time
                known = isinstance(exc, db.DatabaseError | IngestError | sa.exc.SQLAlchemyError | OSError)
                what = _one_line(exc) if known else f"{type(exc).__name__}: {_one_line(exc)}"
                self._warn(f"{spec.key}: error, retried at the next poll: {what}")
            if self.stop.is_set():
                break
        if batches == 0 and not self.stop.is_set():
            self._call_hook(BatchInfo(None, None, "poll", self.alerts, at=self.clock()))
        return failures

    def _position(self, key: str) -> tuple[int, dict[str, Any] | None]:
        if key not in self.known:
            self.known[key] = positions.load(self.engine, key)
        return self.known[key]

    def _poll_source(self, spec: Spec, source: Source) -> int:
        batches = 0
        # The last batch's info, told to the hook once the next batch committed (more=True) or once
        # none follows (the loop's end, a stop, or the next step's failure: more=False).
        pending: BatchInfo | None = None
        try:
            for _ in range(MAX_STEPS):
                seq, pos = self._position(spec.key)
                step = source.next_step(pos)
                if step is None:
                    break
                if not step.files:
                    if step.note:
                        self._say(f"{spec.key}: {step.note}")
                    self.known[spec.key] = (seq, step.position)
                    continue
                try:
                    info = self._import(spec, step, seq + 1)
                finally:
                    step.cleanup()
                if info is not None:  # the previous batch is told once this one committed
                    if pending is not None:
                        self._call_hook(dataclasses.replace(pending, more=True))
                    pending = info
                batches += 1
                if self.stop.is_set():
                    break
        finally:
            if pending is not None:
                self._call_hook(pending)
        return batches

    def _import(self, spec: Spec, step: Step, seq: int) -> BatchInfo | None:
        """Import one step; the batch's info for the hook (``None``: the piece was refused and passed)."""
        before = rollup_build.fingerprint_before_import(self.engine)

        def keep_position(sink: Sink, report: ImportReport) -> None:
            sink.write(watch_positions, positions.row(spec.key, seq, step.position, report.import_id))

        try:
            report = import_files(
                self.engine,
                step.files,
                spec.fmt,
                table=spec.target,
                mapping=spec.mapping,
                rejects_dir=self.rejects_dir,
                before_commit=keep_position,
            )
        except IngestError as exc:
            if step.failed is None or not _refused(exc) or not _reachable(self.engine):
                raise
            # The files themselves cannot be imported (not the declared format …): see Step.failed.
            written = self._reject_piece(step, exc) if step.reject_piece else None
            positions.save(self.engine, spec.key, seq, step.failed)
            self.known[spec.key] = (seq, step.failed)
            where = f"; rejects: {written}" if written else ""
            self._warn(f"{spec.key}: {step.note} not imported: {_one_line(exc)}{where}")
            return None
        self.known[spec.key] = (seq, step.position)
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # only history: the next batch prunes it
            positions.prune(self.engine, spec.key, seq)
        seconds = self._refresh(report, before)
        rejects = f"; rejects: {report.rejects_file}" if report.rejects_file else ""
        self._say(
            f"{spec.key}: {step.note}: read {report.read}, inserted {report.inserted}, merged {report.merged}, "
            f"duplicates {report.duplicates}, rejected {report.rejected} ({report.seconds:.2f}s"
            + (f", rollups {seconds:.2f}s" if seconds is not None else "")
            + f"){rejects}"
        )
        return BatchInfo(spec.key, report, step.note, self.alerts, seconds, self.clock())

    def _reject_piece(self, step: Step, exc: IngestError) -> Path | None:
        """Every record of the step's piece to the rejects file, with the importer's reason."""
        piece = step.files[0]
        lines = piece.read_bytes().decode("utf-8", "replace").splitlines()
        body = lines[step.header_lines :]
        first = step.header_lines + 1
        rejects = RejectsWriter(rejects_path(piece, self.rejects_dir))
        rejects.add(
            piece.name,
            pl.DataFrame(
                {
                    "_line": list(range(first, first + len(body))),
                    "_reason": [str(exc)] * len(body),
                    "_raw": body,
                }
            ),
        )
        return rejects.finish()

    def _refresh(self, report: ImportReport, before: str | None) -> float | None:
        try:
            return rollup_build.refresh_after_import(self.engine, report, before)
        except (db.DatabaseError, sa.exc.SQLAlchemyError, OSError) as exc:
            self.pending_days |= report.call_days
            self.pending_customers |= report.replaced_customers
            self._warn(f"rollup refresh failed, tried again at the next poll: {_one_line(exc)}")
            return None

    def _refresh_pending(self) -> None:
        if not self.pending_days and not self.pending_customers:
            return
        rollup_build.refresh(self.engine, sorted(self.pending_days), customers=self.pending_customers)
        self.pending_days.clear()
        self.pending_customers.clear()

    def _call_hook(self, info: BatchInfo) -> None:
        try:
            self.hook(self.engine, info)
        except Exception as exc:  # noqa: BLE001 - an extension's failure never stops ingestion
            self._warn(f"after_batch failed: {_one_line(exc)}")


def _refused(exc: IngestError) -> bool:
    """Whether the importer refused the files themselves before writing (raised as is), not a failure
    of the database: those are raised ``from`` the driver's error (midway) or ``from None`` (a
    locked or unreachable database, see core/ingest/sink.py)."""
    return exc.__cause__ is None and not exc.__suppress_context__


def _reachable(engine: Engine) -> bool:
    try:
        db.ping(engine)
    except db.DatabaseError:
        return False
    return True


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:400]


def watch(
    url: str,
    specs: Sequence[Spec],
    *,
    every: float = DEFAULT_EVERY,
    once: bool = False,
    alerts: Path | None = None,
    rejects_dir: Path | None = None,
    hook: Hook | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Run a :class:`Watcher` (``python -m core watch``); its exit code."""
    watcher = Watcher(url, specs, alerts=alerts, rejects_dir=rejects_dir, hook=hook, clock=clock)
    try:
        return watcher.run(every=every, once=once)
    finally:
        watcher.close()


__all__ = ["DEFAULT_EVERY", "AlertsHook", "BatchInfo", "Watcher", "after_batch", "watch"]
