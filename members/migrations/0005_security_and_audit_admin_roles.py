"""The security and audit administrators of MLPS 三权分立 (RELIABILITY.md R5), each with its group."""

from django.db import migrations, models


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("security_admin", "audit_admin"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0004_lifecycle_defaults'),
    ]

    operations = [
        migrations.AlterField(
            model_name='roleassignment',
            name='role',
            field=models.CharField(choices=[('staff', '工作人员'), ('unit_head', '内设机构负责人'), ('leader', '分管领导'), ('principal_leader', '主要领导'), ('org_officer', '组织部干部'), ('branch_secretary', '支部书记'), ('system_admin', '系统管理员'), ('security_admin', '安全管理员'), ('audit_admin', '审计管理员')], max_length=24, verbose_name='角色'),
        ),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
