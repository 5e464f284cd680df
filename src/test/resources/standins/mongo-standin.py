#!/usr/bin/env python3
"""Stand-in for mongodump and mongorestore (MongoDB Database Tools 100.x) for the platform's tests.

Copied into <root>/bin/ as `mongodump` and `mongorestore`; it acts as the tool named by its file name. It honours
the real tools' command-line contract as far as the platform uses it: --uri / --config (YAML `uri:` and
`password:`), --db, --archive=<file>, --gzip, --drop, --nsInclude, --nsFrom, --nsTo; progress lines on stderr in the
real format; exit 0 on success, 1 on failure (`Failed: ...`), 3 on bad options.

The "server" is a directory: <root>/store/<database>/<collection>.json (a JSON array of documents). When
<root>/users.json exists ({"user": {"password": "...", "db": "admin"}}), connections must authenticate as one of them.
Switches for tests: <root>/fail-mongodump (its text is the error; stays until removed), <root>/fail-mongorestore-after
(restore that many collections, then fail; once), <root>/fail-documents (that many documents of the first collection
fail to restore, exit code 0 as the real tool; once).
Every call is appended to <root>/calls.jsonl: argv and the mode of the --config file.

The archive is the real archive's magic number followed by this stand-in's own JSON (gzip'd with --gzip).
"""
import datetime
import fnmatch
import gzip
import json
import os
import re
import stat
import sys
import urllib.parse

MAGIC = bytes([0x6d, 0xe2, 0x99, 0x81])
TOOL = os.path.basename(sys.argv[0])
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0])))
STORE = os.path.join(ROOT, 'store')
VALUE_OPTIONS = {'--uri', '--config', '--db', '-d', '--host', '--port', '--username', '-u', '--password', '-p',
                 '--authenticationDatabase', '--nsInclude', '--nsExclude', '--nsFrom', '--nsTo', '--collection', '-c'}
FLAGS = {'--gzip', '--drop', '--quiet', '--verbose', '-v', '--dryRun', '--stopOnError'}


def log(message):
    now = datetime.datetime.now(datetime.timezone.utc)
    sys.stderr.write(now.strftime('%Y-%m-%dT%H:%M:%S.') + '%03d' % (now.microsecond // 1000) + '+0000\t' + message + '\n')
    sys.stderr.flush()


def fail(message, code=1):
    log('Failed: ' + message)
    sys.exit(code)


def parse_args(argv):
    options = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition('=')
        if name == '--archive':
            options['archive'] = value if eq else '-'
        elif name in FLAGS and not eq:
            options[name.lstrip('-')] = True
        elif name in VALUE_OPTIONS:
            if not eq:
                i += 1
                if i >= len(argv):
                    sys.stderr.write('error parsing command line options: expected argument for flag `%s\'\n' % name)
                    sys.exit(3)
                value = argv[i]
            options.setdefault(name.lstrip('-'), []).append(value)
        else:
            sys.stderr.write('error parsing command line options: unknown option "%s"\n' % name.lstrip('-'))
            sys.stderr.write("try '%s --help' for more information\n" % TOOL)
            sys.exit(3)
        i += 1
    return options


def read_config(path):
    """The tools' --config YAML: uri, password (and sslPEMKeyPassword, ignored)."""
    values = {}
    with open(path, encoding='utf-8') as config:
        for line in config:
            key, sep, value = line.strip().partition(':')
            if not sep or key.startswith('#'):
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == "'":
                value = value[1:-1].replace("''", "'")
            elif len(value) >= 2 and value[0] == value[-1] == '"':
                value = json.loads(value)
            values[key.strip()] = value
    unknown = set(values) - {'uri', 'password', 'sslPEMKeyPassword'}
    if unknown:
        fail('error parsing config file: unknown keys %s' % sorted(unknown), 3)
    return values


def connection(options):
    uri = options.get('uri', [None])[-1]
    password = None
    if 'config' in options:
        config = read_config(options['config'][-1])
        uri = config.get('uri', uri)
        password = config.get('password')
    if uri is None:
        uri = 'mongodb://localhost:27017/'
    parsed = urllib.parse.urlsplit(uri)
    if parsed.scheme not in ('mongodb', 'mongodb+srv'):
        fail('error parsing uri: scheme must be "mongodb" or "mongodb+srv"', 3)
    user = urllib.parse.unquote(parsed.username) if parsed.username else None
    if parsed.password is not None:
        password = urllib.parse.unquote(parsed.password)
    database = urllib.parse.unquote(parsed.path.lstrip('/')) or None
    query = urllib.parse.parse_qs(parsed.query)
    auth_db = query.get('authSource', [database or 'admin'])[0]
    host = parsed.netloc.rpartition('@')[2]
    return {'user': user, 'password': password, 'database': database, 'auth_db': auth_db, 'host': host}


def authenticate(conn):
    users_file = os.path.join(ROOT, 'users.json')
    if not os.path.exists(users_file):
        return
    with open(users_file, encoding='utf-8') as f:
        users = json.load(f)
    known = users.get(conn['user'] or '')
    if not known or known.get('password') != conn['password'] or known.get('db', 'admin') != conn['auth_db']:
        fail("can't create session: failed to connect to mongodb://%s/: connection() error occurred during connection "
             "handshake: auth error: sasl conversation error: unable to authenticate using mechanism "
             "\"SCRAM-SHA-256\": (AuthenticationFailed) Authentication failed." % conn['host'])


def record_call(options):
    entry = {'tool': TOOL, 'argv': sys.argv[1:]}
    if 'config' in options:
        path = options['config'][-1]
        entry['config'] = path
        entry['config_mode'] = oct(stat.S_IMODE(os.stat(path).st_mode)) if os.path.exists(path) else None
    with open(os.path.join(ROOT, 'calls.jsonl'), 'a', encoding='utf-8') as calls:
        calls.write(json.dumps(entry) + '\n')


def collection_files(database):
    folder = os.path.join(STORE, database)
    if not os.path.isdir(folder):
        return []
    return sorted(name[:-5] for name in os.listdir(folder) if name.endswith('.json'))


def dump(options, conn):
    archive = options.get('archive')
    if archive is None or archive == '-':
        fail('this stand-in only writes --archive=<file>', 3)
    database = (options.get('db') or [conn['database']])[-1]
    databases = [database] if database else sorted(os.listdir(STORE)) if os.path.isdir(STORE) else []
    with open(archive, 'wb') as out:
        out.write(MAGIC)
        out.flush()
        failure = os.path.join(ROOT, 'fail-mongodump')
        if os.path.exists(failure):
            with open(failure, encoding='utf-8') as f:
                fail(f.read().strip() or 'error dumping')
        content = {'collections': {}}
        for db in databases:
            for coll in collection_files(db):
                with open(os.path.join(STORE, db, coll + '.json'), encoding='utf-8') as f:
                    documents = json.load(f)
                log("writing %s.%s to archive '%s'" % (db, coll, archive))
                content['collections']['%s.%s' % (db, coll)] = documents
                log('done dumping %s.%s (%d document%s)' % (db, coll, len(documents), '' if len(documents) == 1 else 's'))
        data = json.dumps(content).encode('utf-8')
        out.write(gzip.compress(data) if options.get('gzip') else data)


def to_regex(pattern):
    return '^' + re.escape(pattern).replace('\\*', '(.*)') + '$'


def restore(options, conn):
    archive = options.get('archive')
    if archive is None or archive == '-':
        fail('this stand-in only reads --archive=<file>', 3)
    try:
        with open(archive, 'rb') as f:
            raw = f.read()
        if raw[:4] != MAGIC:
            raise ValueError('bad magic number')
        body = raw[4:]
        content = json.loads(gzip.decompress(body) if options.get('gzip') else body)
    except (OSError, ValueError, EOFError) as e:
        fail('stream or file does not appear to be a mongodump archive (%s)' % e)
    log('preparing collections to restore from')
    include = options.get('nsInclude', [])
    ns_from = options.get('nsFrom', [])
    ns_to = options.get('nsTo', [])
    if len(ns_from) != len(ns_to):
        fail('--nsFrom and --nsTo arguments must be specified an equal number of times', 3)
    fail_after = read_int('fail-mongorestore-after', once=True)
    failing_documents = read_int('fail-documents', once=True) or 0
    restored_total = failed_total = 0
    done = 0
    for ns, documents in content['collections'].items():
        if include and not any(fnmatch.fnmatchcase(ns, pattern) for pattern in include):
            continue
        target = ns
        for source_pattern, target_pattern in zip(ns_from, ns_to):
            match = re.match(to_regex(source_pattern), ns)
            if match:
                target = target_pattern
                for group in match.groups():
                    target = target.replace('*', group, 1)
                break
        if fail_after is not None and done >= fail_after:
            fail('%s: error restoring from archive: connection reset by peer' % target)
        db, _, coll = target.partition('.')
        log("reading metadata for %s from archive '%s'" % (target, archive))
        folder = os.path.join(STORE, db)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, coll + '.json')
        if options.get('drop'):
            log('dropping collection %s before restoring' % target)
            existing = []
        else:
            existing = json.load(open(path, encoding='utf-8')) if os.path.exists(path) else []
        log("restoring %s from archive '%s'" % (target, archive))
        failed = min(failing_documents, len(documents))
        failing_documents -= failed
        kept = documents[failed:]
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(existing + kept, f)
        log('finished restoring %s (%d document%s, %d failure%s)' % (target, len(kept), '' if len(kept) == 1 else 's',
                                                                    failed, '' if failed == 1 else 's'))
        log('no indexes to restore for collection %s' % target)
        restored_total += len(kept)
        failed_total += failed
        done += 1
    log('%d document(s) restored successfully. %d document(s) failed to restore.' % (restored_total, failed_total))


def read_int(name, once=False):
    path = os.path.join(ROOT, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as f:
        value = int(f.read().strip() or '0')
    if once:
        os.remove(path)
    return value


def main():
    options = parse_args(sys.argv[1:])
    record_call(options)
    conn = connection(options)
    authenticate(conn)
    if TOOL == 'mongodump':
        dump(options, conn)
    elif TOOL == 'mongorestore':
        restore(options, conn)
    else:
        fail('unknown tool name %s (copy this file as mongodump or mongorestore)' % TOOL, 3)


if __name__ == '__main__':
    main()
