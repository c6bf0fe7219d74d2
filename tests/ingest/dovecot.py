"""A real Dovecot IMAP server for tests: a temporary config, passwd-file users and maildirs.

Started from the Debian `dovecot-imapd` binaries on a free loopback port; yields None when
Dovecot is not installed so tests can skip with a reason. Plain-text login without TLS is
allowed because it only ever listens on 127.0.0.1.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port
from tests.servers import wait_for_port

DOVECOT = Path("/usr/sbin/dovecot")


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    users: dict[str, str]
    root: Path


def _mail_owner() -> tuple[str, str, int]:
    """Dovecot will not give mail to root: use its own system user when we are root."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam("dovecot")
        return "dovecot", "dovenull", entry.pw_uid
    entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_name, entry.pw_uid


def _config(root: Path, port: int) -> str:
    internal, login, uid = _mail_owner()
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(uid, 100) or 1}
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid if os.geteuid() else pwd.getpwnam(internal).pw_gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@contextmanager
def dovecot_server(users: dict[str, str]) -> Iterator[Dovecot | None]:
    if not DOVECOT.exists():
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="kontera-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    _, _, uid = _mail_owner()
    os.chown(root / "home", uid, -1)
    lines = [f"{user}:{{PLAIN}}{password}::::::" for user, password in users.items()]
    (root / "passwd").write_text("\n".join(lines) + "\n", encoding="utf-8")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port), encoding="utf-8")
    server = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, timeout=20)
        yield Dovecot("127.0.0.1", port, users, root)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
