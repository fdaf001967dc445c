"""Attachments: what may be uploaded (by content, not by name), who may download and remove
them (the record's own visibility), what a removal leaves behind, the API, and S3 storage."""

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws
from rest_framework.test import APIClient

from crm import attachments
from crm.exceptions import DomainError, NotFound, PermissionRefused
from crm.models import Attachment, ChangeLog, User
from leads.selectors import lead_timeline
from projects.models import SupportApplication
from tests.factories import LeadFactory, UserFactory
from tests.projects.conftest import ProjectFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = zipped("[Content_Types].xml", "word/document.xml")
XLSX = zipped("[Content_Types].xml", "xl/workbook.xml")
OFD = zipped("OFD.xml", "Doc_0/Document.xml")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def lead(officer, task_force):
    return LeadFactory(owner=officer, task_force=task_force, company_name="虎林绿都米业有限公司")


@pytest.fixture
def attached(lead, officer) -> Attachment:
    return attachments.attachment_add(
        record=lead, actor=officer, upload=upload("合作协议.pdf", PDF, "text/html")
    )


def htmx(client):
    client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


# --- what may be uploaded -------------------------------------------------------------------


def test_a_pdf_is_kept_with_the_type_its_content_shows_not_what_the_browser_said(
    lead, officer, media
):
    attachment = attachments.attachment_add(
        record=lead, actor=officer, upload=upload("合作协议.pdf", PDF, "text/html")
    )

    assert attachment.mime_type == "application/pdf"
    assert attachment.original_name == "合作协议.pdf"
    assert attachment.size == len(PDF)
    assert len(attachment.sha256) == 64
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}", attachment.storage_name)
    assert (media / attachment.storage_name).read_bytes() == PDF
    history = ChangeLog.objects.get(object_id=lead.pk, changes__0__field="attachments")
    assert history.changes[0]["label"] == "上传附件"
    assert history.changes[0]["new"] == "合作协议.pdf"


@pytest.mark.parametrize(
    "name, content",
    [
        ("setup.exe", EXE),
        ("资料.zip", zipped("a.txt")),
        ("说明.txt", b"hello"),
        ("没有扩展名", PDF),
    ],
)
def test_types_that_are_not_allowed_are_refused(lead, officer, name, content):
    with pytest.raises(DomainError) as refused:
        attachments.attachment_add(record=lead, actor=officer, upload=upload(name, content))

    assert "类型不能上传" in refused.value.message
    assert "PDF" in refused.value.message
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("合同.pdf", EXE),  # a program renamed to .pdf
        ("照片.jpg", PDF),
        ("方案.docx", zipped("a.txt")),  # a bare ZIP archive
        ("方案.docx", XLSX),  # a spreadsheet is not a Word document
        ("报表.xlsx", zipped("[Content_Types].xml")),
        ("旧文档.doc", EXE),
    ],
)
def test_a_file_whose_content_is_not_what_its_extension_says_is_refused(
    lead, officer, name, content
):
    with pytest.raises(DomainError) as refused:
        attachments.attachment_add(record=lead, actor=officer, upload=upload(name, content))

    assert "扩展名与内容不符" in refused.value.message
    assert refused.value.field_errors == {"file": [refused.value.message]}
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "name, content, mime",
    [
        ("现场照片.jpeg", JPEG, "image/jpeg"),
        ("现场照片.png", PNG, "image/png"),
        ("手机照片.heic", HEIC, "image/heic"),
        (
            "方案.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("台账.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("旧合同.doc", OLE2, "application/msword"),
        ("旧台账.xls", OLE2, "application/vnd.ms-excel"),
        ("批复.ofd", OFD, "application/ofd"),
        ("截图.jpg", PNG, "image/png"),  # a photo with another image extension is still a photo
    ],
)
def test_allowed_types_are_recognised_by_their_content(lead, officer, name, content, mime):
    attachment = attachments.attachment_add(
        record=lead, actor=officer, upload=upload(name, content)
    )

    assert attachment.mime_type == mime


def test_files_over_the_limit_and_empty_files_are_refused(lead, officer, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)

    with pytest.raises(DomainError) as too_big:
        attachments.attachment_add(record=lead, actor=officer, upload=upload("大.pdf", big))
    with pytest.raises(DomainError) as empty:
        attachments.attachment_add(record=lead, actor=officer, upload=upload("空.pdf", b""))

    assert too_big.value.message == "「大.pdf」有 1.0 MB，每个附件最大 1 MB。"
    assert empty.value.message == "「空.pdf」是空文件。"


def test_the_uploaded_name_loses_its_path_and_control_characters(lead, officer, media):
    attachment = attachments.attachment_add(
        record=lead, actor=officer, upload=upload("..\\..\\etc/pass\x00wd.pdf", PDF)
    )

    assert attachment.original_name == "passwd.pdf"
    assert ".." not in attachment.storage_name
    assert list(media.rglob("*")) and all(".pdf" not in p.name for p in media.rglob("*"))


def test_a_user_who_cannot_change_the_record_cannot_attach(lead, other_officer):
    with pytest.raises(PermissionRefused):
        attachments.attachment_add(record=lead, actor=other_officer, upload=upload("a.pdf", PDF))
    assert not Attachment.objects.exists()


# --- who downloads ----------------------------------------------------------------------------


@pytest.fixture
def colleague(task_force) -> User:
    user = UserFactory(username="colleague", full_name="张同事")
    task_force.members.add(user)
    return user


DOWNLOADS = {
    "owner": 200,
    "colleague_in_task_force": 200,
    "leader_of_task_force": 200,
    "bureau_leader": 200,
    "admin": 200,
    "officer_of_other_task_force": 404,
    "leader_of_other_task_force": 404,
}


@pytest.fixture
def reader(
    request, officer, colleague, leader, bureau_leader, admin_user, other_officer, other_task_force
):
    return {
        "owner": officer,
        "colleague_in_task_force": colleague,
        "leader_of_task_force": leader,
        "bureau_leader": bureau_leader,
        "admin": admin_user,
        "officer_of_other_task_force": other_officer,
        "leader_of_other_task_force": other_task_force.leader,
    }[request.param]


@pytest.mark.parametrize("reader", list(DOWNLOADS), indirect=True)
def test_a_download_answers_whoever_sees_the_record_and_404_to_anyone_else(
    client, attached, reader, request
):
    client.force_login(reader)

    response = client.get(attached.get_absolute_url())

    role = request.node.callspec.params["reader"]
    assert response.status_code == DOWNLOADS[role]
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF


def test_an_anonymous_download_goes_to_the_login_page(client, attached):
    response = client.get(attached.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_download_is_sent_with_its_true_type_nosniff_and_a_policy_that_runs_nothing(
    client, officer, lead, attached
):
    document = attachments.attachment_add(
        record=lead, actor=officer, upload=upload("招商方案.docx", DOCX, "text/html")
    )
    client.force_login(officer)

    pdf = client.get(attached.get_absolute_url())
    saved = client.get(attached.get_absolute_url(), {"download": ""})
    word = client.get(document.get_absolute_url())

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f"inline; filename*=utf-8''{quote('合作协议.pdf')}"
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in pdf["Content-Security-Policy"]
    assert "script-src" not in pdf["Content-Security-Policy"]
    assert pdf["Cache-Control"] == "private, no-cache"
    assert saved["Content-Disposition"].startswith("attachment;")
    assert word["Content-Type"] == document.mime_type
    assert word["Content-Disposition"].startswith("attachment;")


def test_an_unchanged_file_is_revalidated_after_the_check(client, officer, other_officer, attached):
    client.force_login(officer)
    etag = client.get(attached.get_absolute_url())["ETag"]

    assert client.get(attached.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.force_login(other_officer)
    assert client.get(attached.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_a_link_with_another_name_is_404(client, officer, attached):
    client.force_login(officer)

    response = client.get(reverse("attachment_download", args=[attached.pk, "其他.pdf"]))

    assert response.status_code == 404


def test_a_record_moved_out_of_scope_takes_its_files_with_it(
    client, officer, lead, attached, other_task_force
):
    client.force_login(officer)
    assert client.get(attached.get_absolute_url()).status_code == 200

    type(lead).objects.filter(pk=lead.pk).update(
        task_force=other_task_force, owner=other_task_force.leader
    )

    assert client.get(attached.get_absolute_url()).status_code == 404


def test_the_files_are_not_under_any_public_url(client, officer, attached, settings):
    client.force_login(officer)

    assert settings.MEDIA_URL in ("", "/")
    assert client.get(f"/{attached.storage_name}").status_code == 404
    assert client.get(f"/media/{attached.storage_name}").status_code == 404
    assert client.get(f"/static/{attached.storage_name}").status_code == 404


# --- removal -------------------------------------------------------------------------------------


def test_a_removal_keeps_the_row_records_who_and_why_and_deletes_the_file(
    lead, officer, attached, media, django_capture_on_commit_callbacks
):
    stored = media / attached.storage_name
    with django_capture_on_commit_callbacks(execute=True):
        removed = attachments.attachment_remove(
            attachment=attached, actor=officer, reason="上传错了\n版本"
        )

    assert removed.removed_by == officer
    assert removed.removal_reason == "上传错了 版本"
    assert Attachment.objects.filter(pk=attached.pk, removed_at__isnull=False).exists()
    assert not stored.exists()
    history = ChangeLog.objects.filter(object_id=lead.pk).order_by("-id").first()
    assert [(c["label"], c["old"], c["new"]) for c in history.changes] == [
        ("删除附件", "合作协议.pdf", ""),
        ("删除原因", "", "上传错了 版本"),
    ]
    with pytest.raises(NotFound):
        attachments.attachment_get(user=officer, pk=attached.pk)


def test_removing_again_changes_nothing(lead, officer, attached):
    attachments.attachment_remove(attachment=attached, actor=officer, reason="重复")
    before = ChangeLog.objects.count()

    again = attachments.attachment_remove(attachment=attached, actor=officer, reason="再删")

    assert again.removal_reason == "重复"
    assert ChangeLog.objects.count() == before


@pytest.mark.parametrize("reason", ["", "   ", "原" * 201, "原因\x00"])
def test_a_removal_needs_a_reason_of_one_short_line(officer, attached, reason):
    with pytest.raises(DomainError) as refused:
        attachments.attachment_remove(attachment=attached, actor=officer, reason=reason)

    assert "reason" in refused.value.field_errors
    assert not Attachment.objects.get(pk=attached.pk).is_removed


def test_a_removal_by_someone_who_cannot_change_the_record_is_refused(other_officer, attached):
    with pytest.raises(PermissionRefused):
        attachments.attachment_remove(attachment=attached, actor=other_officer, reason="误传")


def test_the_removal_dialog_asks_for_the_reason_and_records_it(client, officer, attached):
    htmx(client).force_login(officer)
    url = reverse("attachment_remove", args=[attached.pk])

    dialog = client.get(url)
    refused = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "已有新版本"})

    assert "删除附件「合作协议.pdf」" in dialog.content.decode()
    assert refused.status_code == 200
    assert refused["HX-Retarget"] == "#dialog-content"
    assert "请填写删除原因。" in refused.content.decode()
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"
    assert Attachment.objects.get(pk=attached.pk).removal_reason == "已有新版本"


def test_the_removal_page_works_without_javascript(client, officer, attached):
    client.force_login(officer)
    url = reverse("attachment_remove", args=[attached.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "误传"})
    assert response.status_code == 302


def test_an_officer_of_another_task_force_gets_404_from_the_removal(
    client, other_officer, attached
):
    client.force_login(other_officer)

    response = client.post(reverse("attachment_remove", args=[attached.pk]), {"reason": "x"})

    assert response.status_code == 404
    assert not Attachment.objects.get(pk=attached.pk).is_removed


# --- the pages -----------------------------------------------------------------------------------


def test_the_upload_form_attaches_several_files_and_names_the_refused_one(client, officer, lead):
    client.force_login(officer)
    url = reverse("attachment_upload", args=["leads.lead", lead.pk])

    response = client.post(
        url,
        {"file": [upload("协议.pdf", PDF), upload("病毒.pdf", EXE), upload("照片.png", PNG)]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{lead.get_absolute_url()}#attachments"
    page = response.content.decode()
    assert "已上传 2 个附件：协议.pdf、照片.png。" in page
    assert "「病毒.pdf」的内容不是 PDF 文件" in page
    assert Attachment.objects.count() == 2


def test_a_refused_upload_with_htmx_answers_the_panel_with_the_reason(client, officer, lead):
    htmx(client).force_login(officer)
    url = reverse("attachment_upload", args=["leads.lead", lead.pk])

    refused = client.post(url, {"file": upload("setup.exe", EXE)})
    nothing = client.post(url, {})

    assert refused.status_code == 200
    assert 'id="attachments"' in refused.content.decode()
    assert "「setup.exe」的类型不能上传" in refused.content.decode()
    assert "请选择要上传的文件。" in nothing.content.decode()


@pytest.mark.parametrize("model", ["leads.lead", "crm.user", "nothing"])
def test_an_upload_to_a_record_outside_the_scope_or_of_no_such_kind_is_404(
    client, other_officer, lead, model
):
    client.force_login(other_officer)
    url = reverse("attachment_upload", args=[model, lead.pk])

    assert client.post(url, {"file": upload("a.pdf", PDF)}).status_code == 404
    assert not Attachment.objects.exists()


def test_the_lead_page_lists_the_files_and_the_timeline_shows_upload_and_removal(
    client, officer, lead, attached
):
    photo = attachments.attachment_add(record=lead, actor=officer, upload=upload("现场.png", PNG))
    attachments.attachment_remove(attachment=photo, actor=officer, reason="拍错了")
    client.force_login(officer)

    response = client.get(lead.get_absolute_url())

    page = response.content.decode()
    assert response.context["attachment_panel"].live == [attached]
    assert attached.get_absolute_url() in page
    assert "已删除的附件 1 个" in page
    assert "拍错了" in page
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds.count("attachment") == 2
    assert kinds.count("attachment_removed") == 1
    # the upload and removal history rows are shown as the attachment, not as field changes
    assert not any(
        entry.kind == "change" and attachments.is_attachment_change(entry.item)
        for entry in lead_timeline(lead=lead)
    )


def test_the_project_and_application_pages_list_their_files(client, officer, task_force):
    project = ProjectFactory(owner=officer, task_force=task_force)
    application = SupportApplication.objects.create(
        title="高标准农田专项",
        fund_source="special_bonds",
        amount_requested=1000,
        owner=officer,
        task_force=task_force,
        status_changed_on="2026-11-01",
        created_by=officer,
    )
    client.force_login(officer)
    for record, name in ((project, "签约合同.pdf"), (application, "申报书.pdf")):
        url = reverse("attachment_upload", args=[record._meta.label_lower, record.pk])
        client.post(url, {"file": upload(name, PDF)})

    project_page = client.get(project.get_absolute_url()).content.decode()
    application_page = client.get(application.get_absolute_url()).content.decode()

    assert "签约合同.pdf" in project_page
    assert "申报书.pdf" in application_page
    assert ContentType.objects.get_for_model(application) == (
        Attachment.objects.get(original_name="申报书.pdf").content_type
    )


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def api(officer) -> APIClient:
    client = APIClient()
    client.force_authenticate(officer)
    return client


def test_the_api_lists_and_attaches_files_with_a_download_url(api, lead):
    url = f"/api/v1/leads/{lead.pk}/attachments/"

    created = api.post(url, {"file": upload("合作协议.pdf", PDF)}, format="multipart")
    listed = api.get(url)

    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "合作协议.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["download_url"].startswith("http://testserver/files/")
    assert listed.json()["results"][0]["id"] == body["id"]


@pytest.mark.parametrize("data", [{}, {"file": "not a file"}])
def test_the_api_answers_a_missing_file_with_json_400(api, lead, data):
    response = api.post(f"/api/v1/leads/{lead.pk}/attachments/", data, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_the_api_answers_a_broken_or_json_body_with_json_errors(api, lead):
    url = f"/api/v1/leads/{lead.pk}/attachments/"

    broken = api.generic(
        "POST", url, b"--xyz\r\nbroken", content_type="multipart/form-data; boundary=xyz"
    )
    as_json = api.post(url, {"file": "a.pdf"}, format="json")

    assert broken.status_code == 400
    assert "detail" in broken.json()
    assert as_json.status_code == 415
    assert "detail" in as_json.json()


def test_the_api_refuses_a_disguised_program_and_unknown_fields(api, lead):
    url = f"/api/v1/leads/{lead.pk}/attachments/"

    disguised = api.post(url, {"file": upload("合同.pdf", EXE)}, format="multipart")
    extra = api.post(url, {"file": upload("a.pdf", PDF), "owner": "1"}, format="multipart")

    assert disguised.status_code == 400
    assert "扩展名与内容不符" in disguised.json()["errors"]["file"][0]
    assert extra.status_code == 400
    assert "owner" in extra.json()["errors"]


def test_the_api_removes_with_a_reason_and_keeps_the_row(api, lead, attached):
    url = f"/api/v1/leads/{lead.pk}/attachments/{attached.pk}/"

    refused = api.delete(url)
    removed = api.delete(f"{url}?reason={quote('已作废')}")

    assert refused.status_code == 400
    assert removed.status_code == 200
    assert removed.json()["removal_reason"] == "已作废"
    assert removed.json()["download_url"] is None
    assert api.get(f"/api/v1/leads/{lead.pk}/attachments/").json()["count"] == 1


def test_the_api_answers_404_outside_the_scope_and_for_another_records_file(
    lead, attached, other_officer, officer, task_force
):
    outsider = APIClient()
    outsider.force_authenticate(other_officer)
    owner = APIClient()
    owner.force_authenticate(officer)
    other_lead = LeadFactory(owner=officer, task_force=task_force)

    assert outsider.get(f"/api/v1/leads/{lead.pk}/attachments/").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/leads/{lead.pk}/attachments/",
            {"file": upload("a.pdf", PDF)},
            format="multipart",
        ).status_code
        == 404
    )
    wrong_record = f"/api/v1/leads/{other_lead.pk}/attachments/{attached.pk}/?reason=x"
    assert owner.delete(wrong_record).status_code == 404


def test_projects_and_applications_take_files_through_the_api(api, officer, task_force):
    project = ProjectFactory(owner=officer, task_force=task_force)
    application = SupportApplication.objects.create(
        title="灌区改造",
        fund_source="special_bonds",
        amount_requested=500,
        owner=officer,
        task_force=task_force,
        status_changed_on="2026-11-01",
        created_by=officer,
    )

    for url in (
        f"/api/v1/projects/{project.pk}/attachments/",
        f"/api/v1/support-applications/{application.pk}/attachments/",
    ):
        response = api.post(url, {"file": upload("批复.pdf", PDF)}, format="multipart")
        assert response.status_code == 201, response.json()

    assert api.get(f"/api/v1/support-applications/{application.pk}/comments/").status_code == 404


# --- S3-compatible storage -----------------------------------------------------------------------

BUCKET = "zhaoshang-files"


@pytest.fixture
def s3(settings):
    """An in-process S3 (moto) as the attachments storage, as a MinIO would be configured."""
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "attachments": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "us-east-1",
                    "access_key": "testing",
                    "secret_key": "testing",
                    "signature_version": "s3v4",
                    "file_overwrite": False,
                },
            },
        }
        yield client


def test_attachments_go_to_an_s3_bucket_and_come_back_through_the_checked_view(
    s3, client, lead, officer, other_officer, django_capture_on_commit_callbacks
):
    attachment = attachments.attachment_add(
        record=lead, actor=officer, upload=upload("合作协议.pdf", PDF)
    )
    stored = s3.get_object(Bucket=BUCKET, Key=attachment.storage_name)
    assert stored["Body"].read() == PDF
    assert stored["ContentType"] == "application/pdf"

    client.force_login(other_officer)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(officer)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF

    with django_capture_on_commit_callbacks(execute=True):
        attachments.attachment_remove(attachment=attachment, actor=officer, reason="作废")
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_with_presigned_links_s3_serves_the_bytes_only_after_the_check(
    s3, client, lead, officer, other_officer, settings
):
    settings.ATTACHMENT_PRESIGNED_SECONDS = 60
    attachment = attachments.attachment_add(
        record=lead, actor=officer, upload=upload("合作协议.pdf", PDF)
    )

    client.force_login(other_officer)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(officer)
    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 302
    location = response["Location"]
    assert BUCKET in location and attachment.storage_name in location
    assert "X-Amz-Expires=60" in location
    assert "response-content-disposition=inline" in location
    assert "response-content-type=application%2Fpdf" in location


def settings_in_subprocess(variables: dict[str, str]) -> list[str]:
    """The attachments storage the settings choose under these environment variables (the
    settings are read once per process, so each configuration gets its own)."""
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "s = settings.STORAGES['attachments']; o = s['OPTIONS']; "
        "print(s['BACKEND'], o.get('bucket_name'), o.get('endpoint_url'), o.get('location'))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.split()


def test_the_settings_choose_s3_when_a_bucket_is_named_and_media_root_otherwise():
    configured = settings_in_subprocess(
        {"AWS_STORAGE_BUCKET_NAME": "zs-files", "AWS_S3_ENDPOINT_URL": "http://minio:9000"}
    )
    default = settings_in_subprocess({"MEDIA_ROOT": "/srv/zhaoshang/media"})

    assert configured == ["storages.backends.s3.S3Storage", "zs-files", "http://minio:9000"]
    assert default == [
        "django.core.files.storage.FileSystemStorage",
        "None",
        "None",
        "/srv/zhaoshang/media",
    ]
