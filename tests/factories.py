"""factory-boy factories for the models every test suite needs."""

import factory
from django.utils import timezone

from crm.models import ChainLink, Channel, Industry, Region, TaskForce, User
from crm.text import normalize_company_name
from crm.validators import CREDIT_CODE_CHARSET, credit_code_check_character
from leads.models import FollowUp, Lead, TargetEnterprise


def make_credit_code(serial: int) -> str:
    """A valid 统一社会信用代码 that differs for every ``serial``."""
    body = "91230381"
    digits = ""
    number = serial
    for _ in range(9):
        digits = CREDIT_CODE_CHARSET[number % 31] + digits
        number //= 31
    first17 = body + digits
    return first17 + credit_code_check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    role = User.Role.OFFICER
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TaskForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskForce
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"tf{n}")
    name = factory.Sequence(lambda n: f"第{n}专班")
    leader = factory.SubFactory(UserFactory, role=User.Role.LEADER)

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.add(*extracted)


def industry(code: str = "rice") -> Industry:
    return Industry.objects.get(code=code)


def channel(code: str = "townsman") -> Channel:
    return Channel.objects.get(code=code)


def region(code: str = "yangtze-delta") -> Region:
    return Region.objects.get(code=code)


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead written straight to the database (bypassing services), for arranging tests."""

    class Meta:
        model = Lead

    company_name = factory.Sequence(lambda n: f"测试企业{n}号有限公司")
    company_key = factory.LazyAttribute(lambda lead: normalize_company_name(lead.company_name))
    industry = factory.LazyFunction(industry)
    channel = factory.LazyFunction(channel)
    owner = factory.SubFactory(UserFactory)
    task_force = None
    stage = Lead.Stage.COLLECT
    stage_entered_at = factory.LazyFunction(timezone.now)
    last_activity_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    lead = factory.SubFactory(LeadFactory)
    occurred_on = factory.LazyFunction(timezone.localdate)
    method = FollowUp.Method.PHONE
    summary = "电话沟通投资意向"
    created_by = factory.SelfAttribute("lead.owner")


def chain_link(code: str = "rice-deep") -> ChainLink:
    return ChainLink.objects.get(code=code)


class TargetEnterpriseFactory(factory.django.DjangoModelFactory):
    """A target enterprise written straight to the database (bypassing services)."""

    class Meta:
        model = TargetEnterprise

    company_name = factory.Sequence(lambda n: f"目标企业{n}号有限公司")
    company_key = factory.LazyAttribute(lambda target: normalize_company_name(target.company_name))
    chain_link = factory.LazyFunction(chain_link)
    chain_role = Lead.ChainRole.FILL
    reason = "补齐精深加工环节，可带动本地稻米转化"
    owner = factory.SubFactory(UserFactory)
    task_force = None
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")
