"""`python -m archive.bootstrap INSTANCE_DIR`: create the instance folder, its secret key and
the key that encrypts narrators' personal data (neither is ever overwritten).

Runs before the app can start (the app refuses to start without a key), so it must not
import the application.
"""

import sys

from .config import write_secret_key


def main(argv: list[str]) -> int:
    """Write the secret key file into the given instance folder; return an exit code."""
    if len(argv) != 2:
        print("usage: python -m archive.bootstrap INSTANCE_DIR", file=sys.stderr)
        return 2
    path = write_secret_key(argv[1])
    print(f"secret key: {path}")
    import os

    if not os.environ.get("ARCHIVE_FIELD_KEY"):  # hosts keyed from the environment need no file
        from .crypto import write_field_key

        field_key = write_field_key(argv[1])
        print(f"narrator data key: {field_key} (back it up off this machine: see the README)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
