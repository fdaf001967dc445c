"""Seed the reference data the bureau starts with: industries, chains and links, channels, regions.

Codes are stable (the API and imports use them); names can be edited in the admin afterwards.
Running the migration again keeps edits: rows are created only where the code is missing.
"""

from django.db import migrations

INDUSTRIES = [
    ("rice", "米业"),
    ("pharma", "药业"),
    ("dairy", "乳业"),
    ("bee", "蜂业"),
    ("green-food", "绿色食品"),
    ("new-energy", "新能源"),
    ("tourism", "文旅"),
    ("logistics", "商贸物流"),
    ("other", "其他"),
]

CHANNELS = [
    ("townsman", "老乡招商"),
    ("business", "以商招商"),
    ("affection", "以情招商"),
    ("expo", "展会招商"),
    ("resident", "驻点招商"),
    ("agency", "中介招商"),
    ("online", "网络招商"),
    ("door-to-door", "上门洽谈"),
    ("chain", "产业链招商"),
]

REGIONS = [
    ("yangtze-delta", "长三角"),
    ("pearl-delta", "珠三角"),
    ("jing-jin-ji", "京津冀"),
    ("in-province", "省内"),
    ("northeast", "东北其他省份"),
    ("overseas", "境外"),
    ("other", "其他"),
]

# chain code, name, industry code, [(link code, link name)] in chain order
CHAINS = [
    (
        "rice-chain",
        "水稻—大米产业链",
        "rice",
        [
            ("rice-seed", "良种繁育"),
            ("rice-planting", "绿色种植"),
            ("rice-milling", "稻米加工"),
            ("rice-deep", "精深加工（米糠油、米粉、米饮品）"),
            ("rice-brand", "品牌营销与冷链物流"),
        ],
    ),
    (
        "pharma-chain",
        "北药—医药产业链",
        "pharma",
        [
            ("pharma-herb", "中药材种植"),
            ("pharma-extract", "提取与饮片"),
            ("pharma-drug", "新药研发与制剂"),
            ("pharma-oem", "代加工与上市许可持有"),
            ("pharma-sales", "医药流通"),
        ],
    ),
    (
        "dairy-chain",
        "奶牛—乳品产业链",
        "dairy",
        [
            ("dairy-forage", "饲草种植"),
            ("dairy-ranch", "规模牧场"),
            ("dairy-processing", "乳品加工"),
            ("dairy-product", "新品研发"),
            ("dairy-cold", "冷链与渠道"),
        ],
    ),
    (
        "bee-chain",
        "蜂业产业链",
        "bee",
        [
            ("bee-breeding", "蜂种繁育与养殖"),
            ("bee-honey", "蜂蜜采收与初加工"),
            ("bee-products", "蜂产品精深加工"),
            ("bee-standard", "标准与品牌"),
        ],
    ),
]


def seed(apps, schema_editor):
    Industry = apps.get_model("crm", "Industry")
    Channel = apps.get_model("crm", "Channel")
    Region = apps.get_model("crm", "Region")
    IndustryChain = apps.get_model("crm", "IndustryChain")
    ChainLink = apps.get_model("crm", "ChainLink")
    for model, rows in ((Industry, INDUSTRIES), (Channel, CHANNELS), (Region, REGIONS)):
        for order, (code, name) in enumerate(rows):
            model.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for order, (code, name, industry_code, links) in enumerate(CHAINS):
        chain, _ = IndustryChain.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "sort_order": order,
                "industry": Industry.objects.get(code=industry_code),
            },
        )
        for position, (link_code, link_name) in enumerate(links, start=1):
            ChainLink.objects.get_or_create(
                code=link_code, defaults={"chain": chain, "name": link_name, "position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
