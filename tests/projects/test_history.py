"""Completing a task and reporting progress leave a history row on the project."""

from crm.audit import change_history
from projects.services import progress_report_create, task_set_done
from tests.projects.conftest import TODAY, TaskFactory


def test_completing_and_reopening_a_task_are_on_the_projects_history(fixed_today, officer):
    task = TaskFactory(assignee=officer, title="报送形象进度")
    task_set_done(task=task, actor=officer)
    task_set_done(task=task, actor=officer, done=False)
    reopened, done = change_history(task.project)[:2]
    assert done.actor == officer and done.changes[0]["new"] == "「报送形象进度」已完成"
    assert reopened.changes[0]["new"] == "「报送形象进度」重新打开"


def test_a_progress_report_is_on_the_projects_history(fixed_today, officer):
    project = TaskFactory(assignee=officer).project
    progress_report_create(
        project=project, actor=officer, reported_on=TODAY, percent=40, done="主体封顶"
    )
    [entry] = change_history(project)
    assert entry.changes[0]["new"] == "40% 主体封顶"
