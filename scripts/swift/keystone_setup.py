#!/usr/bin/env python3
"""Creates what the Swift plugin's tests log in with, through Keystone's v3 REST API.

Uses the admin created by `keystone-manage bootstrap`. Creates: the object-store service and its
endpoints, a project, a user with the member role on it, an application credential of that user,
and a container. Prints shell assignments (KEY=value) of the connection facts on stdout.

usage: keystone_setup.py AUTH_URL ADMIN_PASSWORD SWIFT_URL REGION PROJECT USER PASSWORD CONTAINER
"""
import json
import sys
import time
import urllib.error
import urllib.request

auth_url, admin_password, swift_url, region, project, user, password, container = sys.argv[1:9]


def call(method, path, body=None, token=None, base=auth_url):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header('Content-Type', 'application/json')
    if token:
        request.add_header('X-Auth-Token', token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.headers, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        sys.exit('%s %s failed: %s %s' % (method, base + path, e.code, e.read().decode(errors='replace')))


def login(name, secret, project_name):
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': name, 'password': secret, 'domain': {'id': 'default'}}}},
        'scope': {'project': {'name': project_name, 'domain': {'id': 'default'}}}}}
    headers, token = call('POST', '/auth/tokens', body)
    return headers['X-Subject-Token'], token['token']


admin, _ = login('admin', admin_password, 'admin')
_, service = call('POST', '/services', {'service': {'name': 'swift', 'type': 'object-store'}}, admin)
for interface in ('public', 'internal', 'admin'):
    call('POST', '/endpoints', {'endpoint': {
        'service_id': service['service']['id'], 'interface': interface, 'region_id': region,
        'url': swift_url + '/v1/AUTH_%(project_id)s'}}, admin)
_, created = call('POST', '/projects', {'project': {'name': project, 'domain_id': 'default'}}, admin)
project_id = created['project']['id']
_, created = call('POST', '/users', {'user': {
    'name': user, 'password': password, 'domain_id': 'default', 'default_project_id': project_id}}, admin)
user_id = created['user']['id']
_, roles = call('GET', '/roles?name=member', None, admin)
call('PUT', '/projects/%s/users/%s/roles/%s' % (project_id, user_id, roles['roles'][0]['id']), None, admin)

tester, token = login(user, password, project)
_, created = call('POST', '/users/%s/application_credentials' % user_id, {'application_credential': {
    'name': 'etcd-backup-it-%d' % int(time.time())}}, tester)
credential = created['application_credential']

storage_url = swift_url + '/v1/AUTH_' + project_id
call('PUT', '/' + container, None, tester, base=storage_url)

facts = {
    'OS_AUTH_URL': auth_url, 'OS_REGION_NAME': region, 'OS_USERNAME': user, 'OS_PASSWORD': password,
    'OS_PROJECT_NAME': project, 'OS_PROJECT_ID': project_id, 'OS_USER_DOMAIN_NAME': 'Default',
    'OS_PROJECT_DOMAIN_NAME': 'Default', 'OS_APPLICATION_CREDENTIAL_ID': credential['id'],
    'OS_APPLICATION_CREDENTIAL_NAME': credential['name'],
    'OS_APPLICATION_CREDENTIAL_SECRET': credential['secret'], 'SWIFT_CONTAINER': container,
    'SWIFT_STORAGE_URL': storage_url}
for key, value in facts.items():
    print('%s=%s' % (key, value))
