"""Backups: the whole database to one file and back (``manage.py backup_db`` / ``restore_db``, README "Backups").

An app of its own at the top of the layers: restoring counts every domain's records, so it sits above them all.
"""
