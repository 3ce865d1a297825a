#!/usr/bin/env python3
"""Runs one Swift WSGI server reading swift.conf from a given directory instead of /etc/swift.

Swift 2.30 reads /etc/swift/swift.conf (hash prefix/suffix, storage policies) at import time and
only its CLI tools honour another directory; setting the module path before the policies load keeps
the all-in-one environment self-contained.

usage: run_server.py SWIFT_DIR SERVER_NAME CONF_FILE   (SERVER_NAME: proxy-server, object-server, ...)
"""
import os
import sys

swift_dir, server_name, conf_file = sys.argv[1:4]

from swift.common import utils  # noqa: E402

utils.SWIFT_CONF_FILE = os.path.join(swift_dir, 'swift.conf')
from swift.common import storage_policy  # noqa: E402

storage_policy.reload_storage_policies()
from swift.common.wsgi import run_wsgi  # noqa: E402

kwargs = {'verbose': True}
if server_name == 'object-server':
    from swift.obj import server as object_server

    kwargs['global_conf_callback'] = object_server.global_conf_callback
sys.exit(run_wsgi(conf_file, server_name, **kwargs))
