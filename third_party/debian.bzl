"""Helpers for BUILD files of Debian-installed libraries (see ../WORKSPACE).

Those repositories point at /usr; libraries live in the multiarch directory
/usr/lib/<triplet>/, found here by glob so no triplet is hard-coded.
"""

def debian_lib(name):
    """Returns the repository-relative path of /usr/lib/<triplet>/<name>.

    Fails with a hint when the file is missing (package not installed).
    """
    found = native.glob(["lib/*-linux-gnu/" + name])
    if len(found) != 1:
        fail("expected exactly one /usr/lib/*-linux-gnu/%s, found %s; run tools/setup.sh" % (name, found))
    return found[0]
