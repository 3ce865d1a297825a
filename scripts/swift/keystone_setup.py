#!/usr/bin/env python3
"""Creates what the Swift plugin's tests log in with, through Keystone's v3 REST API.

Uses the admin created by `keystone-manage bootstrap`. Creates: the object-store service and its
endpoints, a project, a user with the member role on it, an application credential of that user,
and a container; then a second project with its own user and a container of the same name, which
the credential rotation test moves a store to. Prints shell assignments (KEY=value) of the
connection facts on stdout.

usage: keystone_setup.py AUTH_URL ADMIN_PASSWORD SWIFT_URL REGION PROJECT USER PASSWORD CONTAINER
"""
import json
import secrets
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
_, roles = call('GET', '/roles?name=member', None, admin)
member_role_id = roles['roles'][0]['id']


def member(project_name, user_name, user_password):
    """A project and a user with the member role on it; returns (project id, user id)."""
    _, created = call('POST', '/projects', {'project': {'name': project_name, 'domain_id': 'default'}}, admin)
    new_project_id = created['project']['id']
    _, created = call('POST', '/users', {'user': {
        'name': user_name, 'password': user_password, 'domain_id': 'default', 'default_project_id': new_project_id}}, admin)
    new_user_id = created['user']['id']
    call('PUT', '/projects/%s/users/%s/roles/%s' % (new_project_id, new_user_id, member_role_id), None, admin)
    return new_project_id, new_user_id


project_id, user_id = member(project, user, password)

tester, token = login(user, password, project)
_, created = call('POST', '/users/%s/application_credentials' % user_id, {'application_credential': {
    'name': 'etcd-backup-it-%d' % int(time.time())}}, tester)
credential = created['application_credential']

storage_url = swift_url + '/v1/AUTH_' + project_id
call('PUT', '/' + container, None, tester, base=storage_url)

rotated_project, rotated_user = project + '-rotated', user + '-rotated'
rotated_password = secrets.token_hex(12)
rotated_project_id, _ = member(rotated_project, rotated_user, rotated_password)
rotated, _ = login(rotated_user, rotated_password, rotated_project)
call('PUT', '/' + container, None, rotated, base=swift_url + '/v1/AUTH_' + rotated_project_id)

facts = {
    'OS_AUTH_URL': auth_url, 'OS_REGION_NAME': region, 'OS_USERNAME': user, 'OS_PASSWORD': password,
    'OS_PROJECT_NAME': project, 'OS_PROJECT_ID': project_id, 'OS_USER_DOMAIN_NAME': 'Default',
    'OS_PROJECT_DOMAIN_NAME': 'Default', 'OS_APPLICATION_CREDENTIAL_ID': credential['id'],
    'OS_APPLICATION_CREDENTIAL_NAME': credential['name'],
    'OS_APPLICATION_CREDENTIAL_SECRET': credential['secret'], 'SWIFT_CONTAINER': container,
    'SWIFT_STORAGE_URL': storage_url, 'ROTATED_USERNAME': rotated_user, 'ROTATED_PASSWORD': rotated_password,
    'ROTATED_PROJECT_NAME': rotated_project}
for key, value in facts.items():
    print('%s=%s' % (key, value))
