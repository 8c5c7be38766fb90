"""``python -m bot``: knowledge base, training, running, tests, query log, benchmark."""

from __future__ import annotations

import argparse
import json
import os
import sys


def _kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import check

    kb, problems = check()
    if args.ids:
        # Writers of some entries see only their files' problems.
        problems = [p for p in problems if any(p.file.endswith(f"/{i}.yml") for i in args.ids)]
    for problem in problems:
        print(problem)
    print(f"knowledge check: {len(kb)} entries, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def _kb_show(args: argparse.Namespace) -> int:
    from bot import replies
    from bot.knowledge import legal
    from bot.knowledge.loader import load

    kb = load()
    unknown = [i for i in args.ids if i not in kb.entries]
    if unknown:
        print(f"error: no entry {', '.join(unknown)}", file=sys.stderr)
        return 2
    corpus = legal.corpus()
    for n, entry_id in enumerate(args.ids):
        if n:
            print("\n" + "=" * 40 + "\n")
        print(replies.answer_text(kb.entries[entry_id], args.role, corpus))
    return 0


def _kb_build(args: argparse.Namespace) -> int:
    from bot import paths
    from bot.knowledge import derive

    if args.check:
        stale = derive.stale()
        for path in stale:
            print(f"{path.relative_to(paths.ROOT)}: .: out of date; run `make kb-build`")
        return 1 if stale else 0
    for path in derive.build():
        print(f"wrote {path.relative_to(paths.ROOT)}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from bot.launcher import train

    model = train(force=args.force)
    print(f"model: {model}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.launcher import run_forever

    return run_forever()


def _test(args: argparse.Namespace) -> int:
    from bot.testrun import run_all

    return run_all(args.only.split(",") if args.only else None)


def _eval(args: argparse.Namespace) -> int:
    from bot.evaluate import main

    return main()


def _crossval(args: argparse.Namespace) -> int:
    from bot.crossval import main

    return main(folds=args.folds)


def _bench(args: argparse.Namespace) -> int:
    from bot.bench import main

    return main(messages=args.messages, senders=args.senders, train=not args.no_train)


def _log(args: argparse.Namespace):
    from pathlib import Path

    from bot.querylog.store import QueryLog

    if args.db and not Path(args.db).is_file():
        raise SystemExit(f"python -m bot log: no query log at {args.db}")
    return QueryLog(args.db) if args.db else QueryLog()


def _log_unanswered(args: argparse.Namespace) -> int:
    from bot.querylog.store import rows_to_text

    rows = _log(args).unanswered(" ".join(args.words) or None, limit=args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        columns = ["id", "ts", "channel", "outcome", "intent", "answer_id", "feedback", "text"]
        print(rows_to_text(rows, columns) if rows else "no unanswered questions")
    return 0


def _log_stats(args: argparse.Namespace) -> int:
    stats = _log(args).stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=1))
        return 0
    print(f"messages: {stats['messages']}   hand-offs: {stats['handoffs']}")
    for title, key in (
        ("by outcome", "by_outcome"),
        ("by channel", "by_channel"),
        ("by answer", "by_answer"),
    ):
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in stats[key].items()))
    feedback = ", ".join(
        f"{k} +{v['useful']}/-{v['not_useful']}"
        for k, v in stats["feedback"].items()
        if v["useful"] or v["not_useful"]
    )
    print("feedback: " + (feedback or "none yet"))
    latency = stats["response_ms"]
    if latency["avg"] is not None:
        print(f"response time: avg {latency['avg']:.0f} ms, max {latency['max']:.0f} ms")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    kb_check = kb.add_parser("check", help="validate knowledge/ (file: path: message lines)")
    kb_check.add_argument("ids", nargs="*", help="report only on these entries (e.g. HS05 GL03)")
    kb_check.set_defaults(func=_kb_check)
    show = kb.add_parser("show", help="print an entry's reply as a villager or an understander sees it")
    show.add_argument("ids", nargs="+", help="entry ids (e.g. HS04)")
    show.add_argument("--role", choices=("villager", "understander"), default="villager")
    show.set_defaults(func=_kb_show)
    build = kb.add_parser("build", help="regenerate Rasa data and the jieba dictionary from knowledge/")
    build.add_argument("--check", action="store_true", help="only report derived files that are out of date")
    build.set_defaults(func=_kb_build)

    train = sub.add_parser("train", help="rebuild derived files and train when inputs changed")
    train.add_argument("--force", action="store_true", help="train even if the model is current")
    train.set_defaults(func=_train)
    sub.add_parser("run", help="train if needed and start the assistant").set_defaults(func=_run)
    test = sub.add_parser("test", help="every check and test, with a summary")
    test.add_argument("--only", help="comma-separated steps to run (default: all)")
    test.set_defaults(func=_test)
    sub.add_parser("eval", help="dev questions against the trained model").set_defaults(func=_eval)
    crossval = sub.add_parser("crossval", help="5-fold cross-validation of the NLU (rasa test nlu)")
    crossval.add_argument("--folds", type=int, default=5)
    crossval.set_defaults(func=_crossval)
    bench = sub.add_parser("bench", help="latency, start-up, memory and training figures")
    bench.add_argument("--messages", type=int, default=500)
    bench.add_argument("--senders", type=int, default=8)
    bench.add_argument("--no-train", action="store_true", help="skip measuring the training time")
    bench.set_defaults(func=_bench)

    log = sub.add_parser("log", help="the query log").add_subparsers(dest="log_command", required=True)
    unanswered = log.add_parser("unanswered", help="fallbacks, unpicked suggestions, negative feedback")
    unanswered.add_argument("words", nargs="*", help="only rows containing these words")
    unanswered.add_argument("--limit", type=int, default=50)
    unanswered.add_argument("--json", action="store_true")
    unanswered.add_argument("--db", help="database file (default var/querylog.db or QUERY_LOG_DB)")
    unanswered.set_defaults(func=_log_unanswered)
    stats = log.add_parser("stats", help="counts by outcome, channel and answer; feedback")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--db", help="database file (default var/querylog.db or QUERY_LOG_DB)")
    stats.set_defaults(func=_log_stats)
    purge = log.add_parser("purge", help="delete rows older than the retention period")
    purge.add_argument(
        "--older-than",
        type=int,
        default=int(os.environ.get("QUERY_LOG_RETENTION_DAYS", 365)),
        metavar="DAYS",
        help="default QUERY_LOG_RETENTION_DAYS or 365",
    )
    purge.add_argument("--db", help="database file (default var/querylog.db or QUERY_LOG_DB)")
    purge.set_defaults(func=_log_purge)
    _add_review_parser(sub)
    return parser


def _log_purge(args: argparse.Namespace) -> int:
    counts = _log(args).purge(args.older_than)
    print(
        f"deleted {counts['messages']} messages and {counts['handoffs']} hand-offs older than {args.older_than} days"
    )
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from bot.review.store import ReviewStore

    password = sys.stdin.readline().rstrip("\n")
    try:
        ReviewStore(args.db).add_user(args.name, args.role, password)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} ({args.role}) saved")
    return 0


def _review(args: argparse.Namespace):
    from bot.querylog.store import QueryLog
    from bot.review.service import Review
    from bot.review.store import ReviewStore

    return Review(QueryLog(args.log_db) if args.log_db else QueryLog(), ReviewStore(args.db))


def _review_inbox(args: argparse.Namespace) -> int:
    groups = [g.as_dict() for g in _review(args).inbox(" ".join(args.words) or None)][: args.limit]
    if args.json:
        print(json.dumps(groups, ensure_ascii=False, indent=1))
        return 0
    for g in groups:
        guesses = ",".join(g["guesses"]) or "-"
        print(
            f"{g['count']:>3}×  {g['text']}   [ids {' '.join(map(str, g['message_ids']))}; guesses {guesses}; last {g['last_seen'][:16]}]"
        )
    print(f"{len(groups)} groups", file=sys.stderr)
    return 0


def _review_act(args: argparse.Namespace) -> int:
    try:
        action = _review(args).act(args.who, args.kind, args.ids, getattr(args, "entry", None), args.text)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"action {action['id']}: {action['kind']} {action['entry_id'] or ''} {action['text']}")
    return 0


def _review_undo(args: argparse.Namespace) -> int:
    try:
        action = _review(args).undo(args.who, args.action_id)
    except (ValueError, KeyError, Exception) as exc:  # noqa: BLE001 - NotFoundError of sqlite-utils too
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"action {action['id']} undone")
    return 0


def _review_backlog(args: argparse.Namespace) -> int:
    import csv

    from bot.review.store import ReviewStore

    rows = ReviewStore(args.db).backlog()
    writer = csv.DictWriter(sys.stdout, fieldnames=["id", "ts", "who", "count", "text"])
    writer.writeheader()
    writer.writerows(rows)
    return 0


def _handoff_list(args: argparse.Namespace) -> int:
    from bot.querylog.store import rows_to_text

    rows = [r for r in _log(args).handoffs(args.limit) if not args.status or r["status"] == args.status]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        columns = ["id", "ts", "village", "phone", "question", "status", "handler", "notes"]
        print(rows_to_text(rows, columns) if rows else "no hand-offs")
    return 0


def _handoff_update(args: argparse.Namespace) -> int:
    try:
        _log(args).update_handoff(args.id, args.status, args.notes, args.who)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"hand-off {args.id}: {args.status}")
    return 0


def _add_review_parser(sub) -> None:
    handoff = sub.add_parser("handoff", help="the hand-off follow-up queue").add_subparsers(
        dest="handoff_command", required=True
    )
    listing = handoff.add_parser("list", help="hand-offs, newest first (phones included: staff only)")
    listing.add_argument("--status", choices=["new", "contacted", "closed"])
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--db", help="query log (default var/querylog.db or QUERY_LOG_DB)")
    listing.set_defaults(func=_handoff_list)
    update = handoff.add_parser("update", help="set the status (and notes) of a hand-off")
    update.add_argument("id", type=int)
    update.add_argument("--status", choices=["new", "contacted", "closed"], required=True)
    update.add_argument("--notes")
    update.add_argument("--who", default=os.environ.get("USER", "cli"))
    update.add_argument("--db", help="query log (default var/querylog.db or QUERY_LOG_DB)")
    update.set_defaults(func=_handoff_update)

    user = sub.add_parser("user", help="review staff accounts").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="add or update an account; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", choices=["trainer", "understander"], required=True)
    add.add_argument("--db", help="review database (default var/review.db or REVIEW_DB)")
    add.set_defaults(func=_user_add)

    review = sub.add_parser("review", help="review logged questions into training data").add_subparsers(
        dest="review_command", required=True
    )

    def common(p, who: bool = True):
        p.add_argument("--db", help="review database (default var/review.db or REVIEW_DB)")
        p.add_argument("--log-db", help="query log (default var/querylog.db or QUERY_LOG_DB)")
        if who:
            p.add_argument("--who", default=os.environ.get("USER", "cli"), help="reviewer name recorded")

    inbox = review.add_parser("inbox", help="unanswered questions, near-duplicates grouped")
    inbox.add_argument("words", nargs="*", help="only questions containing these words")
    inbox.add_argument("--limit", type=int, default=50)
    inbox.add_argument("--json", action="store_true")
    common(inbox, who=False)
    inbox.set_defaults(func=_review_inbox)
    for kind, help_text in (
        ("assign", "make the questions training questions of an entry"),
        ("out_of_scope", "make them out-of-scope examples"),
        ("new_entry", "put them on the backlog of entries to write"),
        ("spam", "dismiss them"),
    ):
        p = review.add_parser(kind.replace("_", "-"), help=help_text)
        if kind == "assign":
            p.add_argument("entry", help="entry id, e.g. HS06")
        p.add_argument("ids", nargs="+", type=int, help="message ids (from the inbox)")
        p.add_argument("--text", help="the question as it should be written (default: the first message)")
        common(p)
        p.set_defaults(func=_review_act, kind=kind)
    undo = review.add_parser("undo", help="undo an action")
    undo.add_argument("action_id", type=int)
    common(undo)
    undo.set_defaults(func=_review_undo)
    backlog = review.add_parser("backlog", help='"needs a new entry" topics as CSV')
    backlog.add_argument("--db", help="review database (default var/review.db or REVIEW_DB)")
    backlog.set_defaults(func=_review_backlog)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
