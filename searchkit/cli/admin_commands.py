"""The commands that build, maintain and serve an index: index, optimize, serve, cluster."""
from __future__ import annotations

import signal
import sys

import click

from .. import output
from ..facade.archive import Archive
from ..model import FORMATS
from .commands import main
from .options import (_open, _progress_shown, echo_text, handle_errors, index_option, output_options)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Read every file in this format instead of detecting it per file.")
@click.option("--rebuild", is_flag=True, help="Empty the index first and index everything again.")
@click.option("--check", is_flag=True,
              help="Read every file again, even those unchanged (size and time) since the last run.")
@click.option("--lock-timeout", default=30.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait while another process writes to the index.")
@click.option("--date", "default_date", metavar="DATE",
              help="The date of articles that have none of their own (an undated source such as BBC): "
                   "2005, 2005-06 or 2005-01-01 (the first day named), so --from/--to and date sorts "
                   "include them. Every file is read again.")
@output_options
@handle_errors
def index(paths, index_dir, fmt, rebuild, check, lock_timeout, default_date, as_json):
    """Index news files and folders (recursively).

    Formats are detected per file: plain-text articles (.txt: headline, blank line, body; a
    folder of section folders gives each article its section), Reuters-21578 SGML (.sgm) and
    JSON Lines (.jsonl). Re-running on the same files updates changed articles and skips
    unchanged ones. Files or records that cannot be read are reported and skipped; the exit
    code is 1 if any failed.

    \b
    Example:
      searchkit index ../shared/corpora/reuters21578 ../shared/corpora/bbc
      searchkit index feed.jsonl --json > summary.json
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: like Ctrl-C
    archive = Archive(index_dir, create=True, lock_timeout=lock_timeout)
    if _progress_shown():
        with click.progressbar(length=archive.sources_size(paths), label="indexing", file=sys.stderr,
                               show_pos=False, show_percent=True) as bar:
            summary = archive.add(paths, format=fmt, rebuild=rebuild, check=check, progress=bar.update,
                                  default_date=default_date)
    else:
        summary = archive.add(paths, format=fmt, rebuild=rebuild, check=check, default_date=default_date)
    if as_json:
        click.echo(output.to_json(summary.to_dict()))
    else:
        echo_text(output.summary_text(summary))
    sys.exit(0 if summary.ok else 1)


@main.command()
@index_option
@click.option("--lock-timeout", default=30.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait while another process writes to the index.")
@output_options
@handle_errors
def optimize(index_dir, lock_timeout, as_json):
    """Merge the index's segments into one, the fastest form to search.

    Indexing keeps the segments few by itself; this is for an archive that is complete, or
    before a demanding use. It holds the write lock while it runs; searches go on meanwhile.
    Interrupted or failed, the index stays as it was.

    \b
    Example:
      searchkit optimize --index archive/
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: like Ctrl-C
    done = Archive(index_dir, create=False, lock_timeout=lock_timeout).optimize()
    if as_json:
        click.echo(output.to_json(done.to_dict()))
    elif not done.merged:
        click.echo(f"nothing to merge: {done.segments} segment{'s' * (done.segments != 1)}, "
                   f"{done.documents} articles")
    else:
        click.echo(f"merged {done.segments_before} segment{'s' * (done.segments_before != 1)} into "
                   f"{done.segments} ({done.documents} articles)")


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (another than 127.0.0.1 lets other machines in: a warning is printed).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each with its own searchers; they end with this one).")
@handle_errors
def serve(index_dir, host, port, workers):
    """Serve the archive in a browser and as a JSON API (/api/..., described at
    /api/openapi.json) until Ctrl-C. The index is never written; the pages and the API change
    only your tags, notes and saved searches.

    \b
    Example:
      searchkit serve --index index --port 8080
      curl 'http://127.0.0.1:8080/api/search?q=coffee&facet=places'
    """
    from ..web.server import serve as run  # noqa: PLC0415  (the web stack loads only for this command)
    _open(index_dir).close()  # a missing index is an error before anything listens
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: other machines can read this archive "
                   f"(there is no login)", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {index_dir} at http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    try:
        run(index_dir, host, port, workers)
    except KeyboardInterrupt:
        sys.exit(130)


@main.group()
def cluster():
    """Start and stop a local Xapian cluster (one xapian-tcpsrv per shard) to try the
    xapian:// backend on one machine.

    \b
    Example:
      searchkit cluster start --shards 2 cluster/
      searchkit index ../shared/corpora/reuters21578 --index "$(searchkit cluster address cluster/)"
      searchkit cluster stop cluster/
    """


@cluster.command("start")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--shards", default=2, show_default=True, type=click.IntRange(1, 64), help="Number of shards.")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port of the first shard (the next ones count up); default: free ports.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@handle_errors
def cluster_start(folder, shards, port, host):
    """Start a writable xapian-tcpsrv per shard on FOLDER/shard-N and print the cluster address.

    Shard databases already in FOLDER are served as they are. The servers run in the background
    until `searchkit cluster stop FOLDER`.

    \b
    Example:
      searchkit cluster start --shards 2 --port 7100 cluster/
    """
    from ..backends import cluster as clusters  # noqa: PLC0415  (process handling: only for these commands)
    click.echo(clusters.start(folder, shards=shards, port=port, host=host).address)


@cluster.command("stop")
@click.argument("folder", type=click.Path(file_okay=False))
@handle_errors
def cluster_stop(folder):
    """Stop the servers started in FOLDER (the shard databases stay).

    \b
    Example:
      searchkit cluster stop cluster/
    """
    from ..backends import cluster as clusters  # noqa: PLC0415
    click.echo(f"stopped {clusters.stop(folder).address}")


@cluster.command("address")
@click.argument("folder", type=click.Path(file_okay=False))
@handle_errors
def cluster_address(folder):
    """Print the xapian:// address of the cluster started in FOLDER (exit 1 if a server is down).

    \b
    Example:
      export SEARCHKIT_INDEX="$(searchkit cluster address cluster/)"
    """
    from ..backends import cluster as clusters  # noqa: PLC0415
    local = clusters.status(folder)
    down = [str(pid) for pid, up in zip(local.pids, local.running()) if not up]
    if down:
        raise click.ClickException(f"{local.address}: server process(es) {', '.join(down)} not running")
    click.echo(local.address)
