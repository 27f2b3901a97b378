"""The ``esn`` command: serve, migrate, create users, import people, seed a demo.

Every command reads its settings from ``ESN_*`` variables (Settings.from_env),
opens its own engine, and exits with 1 after a clear message when it cannot
do what was asked, having saved nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts import service as accounts
from esn.accounts.models import Role
from esn.accounts.service import normalise_email
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.core.text import text_problem
from esn.core.urls import use_routes
from esn.database import create_engine, create_session_factory
from esn.delivery import event_router, send_mail_through
from esn.mail import Mailer, MailQueue
from esn.people import service as people
from esn.realtime.hub import create_hub
from esn.settings import PROJECT_ROOT, Settings

app = typer.Typer(
    help="esn, the enterprise social network.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

T = TypeVar("T")


def _use_routes() -> None:
    """Let services write links with no app running (mail, the posts a proposal
    publishes, mentions in seeded posts): the application's own route map."""
    from starlette.routing import Router

    from esn.routes import build_routes
    from esn.web.links import RoutePaths

    use_routes(RoutePaths(Router(routes=build_routes())))


def _run(work: Callable[[AsyncSession], Awaitable[T]], *, announce: bool = False) -> T:
    """Run ``work`` with a database session, then close the engine.

    With ``announce``, what ``work`` commits is announced as in the server:
    live events through ESN_BROADCAST_URL's hub, mail through ESN_SMTP_URL
    (sent before the command exits). Otherwise events are dropped. Either
    way, the links ``work`` writes follow the application's named routes.
    """
    settings = Settings.from_env()
    _use_routes()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        if not announce:
            try:
                async with create_session_factory(engine)() as db:
                    return await work(db)
            finally:
                await engine.dispose()
        hub = create_hub(settings.broadcast_url)
        await hub.start()
        router = event_router(hub)
        factory = create_session_factory(engine, router)
        mail = MailQueue()
        mailer = Mailer(settings.smtp_url, settings.mail_from)
        send_mail_through(router, mail, mailer, settings, factory)
        mail.start()
        try:
            async with factory() as db:
                return await work(db)
        finally:
            await mail.stop()
            await hub.stop()
            await engine.dispose()

    return asyncio.run(main())


def _fail(messages: dict[str, str]) -> NoReturn:
    for field, message in messages.items():
        errors.print(f"[bold red]{field}[/]: {message}", highlight=False)
    raise typer.Exit(1)


def _short_text_problem(value: str) -> str | None:
    """Why a department or job title cannot be stored (profiles keep 120 characters)."""
    if len(value.strip()) > 120:
        return _("Keep this under %(count)d characters.") % {"count": 120}
    return text_problem(value, single_line=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (ESN_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (ESN_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the web application with uvicorn."""
    import uvicorn

    settings = Settings.from_env()
    uvicorn.run(
        "esn.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # Compressing every live update costs CPU and memory per socket for
        # small fragments; esn sends them uncompressed.
        ws_per_message_deflate=False,
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    from alembic import command
    from alembic.config import Config

    settings = Settings.from_env()
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    console.print("[green]The database is up to date.[/]")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="The person's email, used to log in.")],
    name: Annotated[str, typer.Option(help="Full name, as colleagues know it.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    department: Annotated[str, typer.Option()] = "",
    title: Annotated[str, typer.Option(help="Job title.")] = "",
    manager: Annotated[str, typer.Option(help="The manager's email.")] = "",
    role: Annotated[Role, typer.Option(case_sensitive=False)] = Role.EMPLOYEE,
) -> None:
    """Create an account with its profile."""

    async def work(db: AsyncSession) -> str:
        problems = {
            field: problem
            for field, value in (("department", department), ("title", title))
            if (problem := _short_text_problem(value))
        }
        if not accounts.valid_email(normalise_email(email)):
            problems["email"] = _("Enter a valid email address.")
        for field, problem in (
            ("name", people.name_problem(name)),
            ("password", accounts.password_problem(password)),
        ):
            if problem:
                problems[field] = problem
        manager_id = None
        if manager:
            boss = None
            if accounts.valid_email(normalise_email(manager)):
                boss = await accounts.find_user_by_email(db, manager)
            if boss is None:
                problems["manager"] = _("No account has the email %(email)s.") % {"email": manager}
            else:
                manager_id = boss.id
        if problems:
            raise InvalidInput(problems)
        user, _profile = await people.create_person(
            db,
            people.NewPerson(
                email=email,
                name=name,
                password=password,
                role=role.value,
                department=department.strip(),
                title=title.strip(),
                manager_id=manager_id,
            ),
        )
        return user.email

    try:
        created = _run(work)
    except InvalidInput as exc:
        _fail(exc.errors)
    console.print(f"Created the account [bold]{created}[/].", highlight=False)


@app.command("import-people")
def import_people(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A CSV file.")
    ],
) -> None:
    """Create and update people from a CSV file (all or nothing).

    Columns: email, name, title, department, site, manager_email, role.
    """
    data = file.read_bytes()
    try:
        summary = _run(lambda db: people.apply_people_csv(db, data))
    except people.ImportRejected as exc:
        table = Table(title=f"{file.name}: nothing was imported", title_justify="left")
        table.add_column("Line", justify="right")
        table.add_column("Column")
        table.add_column("Problem")
        for problem in exc.problems:
            line = str(problem.line) if problem.line is not None else "-"
            table.add_row(line, problem.column, problem.message)
        errors.print(table)
        raise typer.Exit(1) from None
    console.print(
        f"Imported {file.name}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged.",
        highlight=False,
    )


def _print_demo_accounts() -> None:
    from esn_tools.demo import company as demo

    table = Table(title=f"Demo accounts of {demo.COMPANY}", title_justify="left")
    table.add_column("Try as")
    table.add_column("Name")
    # Never cut an email short: it is what people type to log in.
    table.add_column("Email (login)", no_wrap=True, overflow="ignore")
    for account in demo.notable_accounts():
        table.add_row(account.kind, account.name, account.email)
    console.print(table)
    console.print(f"Every demo account uses the password [bold]{demo.DEMO_PASSWORD}[/].")


def _seed_scale(scale: str, *, if_empty: bool) -> None:
    """Bulk-load the synthetic company of ``scale`` (esn_tools.scale) and say who to sign in as."""
    from esn_tools.scale import DatabaseNotEmpty, ScaleRefused, seed_scale

    try:
        summary = seed_scale(Settings.from_env().database_url, scale, console=console)
    except DatabaseNotEmpty as exc:
        if if_empty:
            console.print("Accounts already exist: nothing was seeded.")
            return
        _fail({"scale": str(exc)})
    except ScaleRefused as exc:
        _fail({"scale": str(exc)})
    rows = summary.rows
    console.print(
        f"Created the {summary.scale} company in {summary.seconds:.1f} s: {rows['user']:,} people,"
        f" {rows['group']:,} groups, {rows['post']:,} posts, {rows['comment']:,} comments,"
        f" {rows['reaction']:,} reactions, {rows['follow']:,} follows.",
        highlight=False,
    )
    table = Table(title="Accounts worth trying", title_justify="left")
    table.add_column("Try as")
    table.add_column("Email (login)", no_wrap=True, overflow="ignore")
    table.add_row("follows the most", summary.busiest_email)
    table.add_row("follows nothing", summary.idle_emails[0])
    table.add_row("administrator", summary.admin_emails[0])
    console.print(table)
    console.print(f"Every account uses the password [bold]{summary.password}[/].")


@app.command("seed")
def seed_command(
    demo_company: Annotated[
        bool, typer.Option("--demo", help="Create the demo company Lumière & Co.")
    ] = False,
    scale: Annotated[
        str | None,
        typer.Option(
            "--scale",
            metavar="XS|S|M|L",
            help="Load a synthetic company of this size into an empty database"
            " (L needs PostgreSQL).",
        ),
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when any account exists.")
    ] = False,
) -> None:
    """Fill the database with example data."""
    if demo_company and scale is not None:
        errors.print("Choose one: [bold]--demo[/] or [bold]--scale[/].")
        raise typer.Exit(2)
    if scale is not None:
        _seed_scale(scale, if_empty=if_empty)
        return
    if not demo_company:
        errors.print("Say what to seed: [bold]esn seed --demo[/] or [bold]esn seed --scale XS[/].")
        raise typer.Exit(2)
    from esn_tools.demo import company as demo

    try:
        media_dir = Settings.from_env().media_dir
        result = _run(lambda db: demo.seed_demo(db, if_empty=if_empty, media_dir=media_dir))
    except InvalidInput as exc:
        _fail(exc.errors)
    if result.skipped:
        console.print("Accounts already exist: the demo company was not added.")
    else:
        console.print(
            f"Created {demo.COMPANY}: {result.people} people, {result.groups} groups,"
            f" {result.posts} posts, {result.proposals} proposals, {result.spotlights} spotlights,"
            f" {result.reports} reports.",
            highlight=False,
        )
    _print_demo_accounts()


@app.command()
def digest() -> None:
    """Email the daily or weekly digest to everyone whose turn has come (run it hourly)."""
    from esn.core.clock import utcnow
    from esn.notifications import jobs

    settings = Settings.from_env()
    mailer = Mailer(settings.smtp_url, settings.mail_from)
    sent = _run(lambda db: jobs.send_digests(db, mailer, settings, utcnow()))
    console.print(f"Sent {sent} digest(s).", highlight=False)


@app.command("proposals-tick")
def proposals_tick() -> None:
    """Start approved proposals, ask for due retrospectives, remind silent teams (run hourly)."""
    from esn.core.clock import utcnow
    from esn.proposals import jobs

    # Bells ring in the servers' open pages through the shared hub, when there is one.
    result = _run(lambda db: jobs.tick(db, utcnow()), announce=True)
    console.print(
        f"Started {result.started}, waiting for a retrospective {result.ended},"
        f" reminders sent {result.reminded}.",
        highlight=False,
    )


@app.command()
def bench(
    scale: Annotated[
        str | None,
        typer.Option(help="Data to seed an empty database with: XS, S, M or L (S; XS if --quick)."),
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="A short run on a throwaway SQLite database.")
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
    duration: Annotated[
        int | None, typer.Option(min=1, help="Seconds per wrk run (5; 1 with --quick).")
    ] = None,
    workers: Annotated[str, typer.Option(help="Worker counts to run, comma-separated.")] = "1,2",
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis carrying live updates between 2+ workers (db 0 on localhost)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="ESN_DATABASE_URL", help="The database to measure (seeded if empty)."),
    ] = None,
) -> None:
    """Measure the real server: reads with wrk, writes under load, SQL per page, live delivery."""
    import signal

    from esn_tools.bench.runner import DEFAULT_REDIS_URL, BenchError, BenchOptions, run_bench
    from esn_tools.bench.server import ServerError
    from esn_tools.bench.wrk import WrkError

    def interrupted(signum: int, _frame: object) -> None:
        # Unwind like Ctrl-C, so the benchmark server is stopped on `kill` too.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)

    try:
        counts = tuple(int(part) for part in workers.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        _fail({"workers": "Give worker counts such as 1,2."})
    options = BenchOptions(
        scale=scale,
        quick=quick,
        json_path=json_file,
        duration=duration,
        workers=counts,
        database_url=database_url,
        redis_url=redis_url or DEFAULT_REDIS_URL,
    )
    try:
        run_bench(options, console)
    except (BenchError, ServerError, WrkError) as exc:
        _fail({"bench": str(exc)})
    except KeyboardInterrupt:
        errors.print("Interrupted: the benchmark server was stopped.")
        raise typer.Exit(130) from None


if __name__ == "__main__":
    app()
