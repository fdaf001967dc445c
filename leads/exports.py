"""The exports of the lead list and the 目标企业库: their columns, written by ``crm.export``."""

import datetime

from django.utils.translation import gettext_lazy as _

from crm.export import Column, Kind
from leads.models import Lead, TargetEnterprise


def lead_columns(today: datetime.date) -> list[Column[Lead]]:
    """The columns of the lead export; ``today`` decides 逾期 as the list page does."""
    return [
        Column(_("企业名称"), lambda lead: lead.company_name, width=30),
        Column(_("统一社会信用代码"), lambda lead: lead.credit_code, width=21),
        Column(_("阶段"), lambda lead: lead.get_stage_display(), width=8),
        Column(_("评级"), lambda lead: lead.rating, width=6),
        Column(_("产业"), lambda lead: lead.industry.name, width=10),
        Column(_("产业链环节"), lambda lead: lead.chain_link, width=20),
        Column(_("链上作用"), lambda lead: lead.get_chain_role_display(), width=10),
        Column(_("招商渠道"), lambda lead: lead.channel.name, width=12),
        Column(_("来源地区"), lambda lead: lead.region, width=12),
        Column(_("引荐人/机构"), lambda lead: lead.referrer_name, width=16),
        Column(_("联系人"), lambda lead: lead.contact_name, width=10),
        Column(_("联系电话"), lambda lead: lead.contact_phone, width=15),
        Column(_("计划投资（万元）"), lambda lead: lead.planned_investment, Kind.AMOUNT),
        Column(_("负责人"), lambda lead: lead.owner, width=10),
        Column(_("专班"), lambda lead: lead.task_force, width=12),
        Column(_("下次跟进日期"), lambda lead: lead.next_follow_up_on, Kind.DATE, width=14),
        Column(_("是否逾期"), lambda lead: lead.is_overdue(today), Kind.BOOL, width=10),
        Column(_("逾期天数"), lambda lead: lead.days_overdue(today) or None, Kind.INT),
        Column(_("登记时间"), lambda lead: lead.created_at, Kind.DATETIME),
        Column(_("修改时间"), lambda lead: lead.updated_at, Kind.DATETIME),
    ]


def target_columns() -> list[Column[TargetEnterprise]]:
    """The columns of the 目标企业库 export (rows from ``leads.selectors.target_list``)."""
    return [
        Column(_("企业名称"), lambda target: target.company_name, width=30),
        Column(_("统一社会信用代码"), lambda target: target.credit_code, width=21),
        Column(_("产业链"), lambda target: target.chain_link.chain.name, width=18),
        Column(_("产业链环节"), lambda target: target.chain_link.name, width=20),
        Column(_("链上作用"), lambda target: target.get_chain_role_display(), width=10),
        Column(_("所在地区"), lambda target: target.region, width=12),
        Column(_("引进理由"), lambda target: target.reason, width=40),
        Column(_("联系渠道"), lambda target: target.contact_hint, width=20),
        Column(_("负责人"), lambda target: target.owner, width=10),
        Column(_("专班"), lambda target: target.task_force, width=12),
        Column(_("已转为线索"), lambda target: target.is_converted, Kind.BOOL, width=10),
        Column(_("登记时间"), lambda target: target.created_at, Kind.DATETIME),
        Column(_("修改时间"), lambda target: target.updated_at, Kind.DATETIME),
    ]
