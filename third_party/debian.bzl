"""Helpers for BUILD files of Debian-installed libraries (see ../WORKSPACE).

Those repositories point at /usr; libraries live in the multiarch directory
/usr/lib/<triplet>/, found here by glob so no triplet is hard-coded.
"""

def debian_lib(name):
    """Finds a library of Debian's multiarch directory.

    Fails with a hint when the file is missing (package not installed).

    Args:
      name: the file name, e.g. "libgtest.a".

    Returns:
      The repository-relative path of /usr/lib/<triplet>/<name>.
    """
    found = native.glob(["lib/*-linux-gnu/" + name])
    if len(found) != 1:
        fail("expected exactly one /usr/lib/*-linux-gnu/%s, found %s; run tools/setup.sh" % (name, found))
    return found[0]
