"""Exports in the exact shapes real crawler output takes, with invented ids, names and texts.

Each writer copies the layout of real public exports (headers, encodings, date and count forms, quirks; see
the docstrings) that were read while fixing issue 16; none of their people or texts. Times follow a seeded
burst: a quiet background, then a rise after the trigger and an exponential decay, so the study's hourly
measures have something to find. Used by the end-to-end tests of tests/test_real_studies.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

NAMES = ["山间小路", "晚风Lin", "阿木木", "画师小鹿", "北方的树", "雨后青山", "海边的风", "Momo画画", "一只橘猫", "纸飞机"]
OPINIONS = ["小红书拿我们的画去训练AI，太过分了", "用户协议里写着可以用作品训练，霸王条款", "我已经把作品都删了，准备搬家",
            "AI炼丹不问画师同意，这是侵犯版权", "平台一直不回应，抵制小红书", "希望有关部门管管AI训练的数据来源",
            "看了大家的讨论，我也去检查了用户协议", "小红书的Trik到底用了谁的图", "支持画师维权，不能白白被拿去训练"]


def burst_times(rng: np.random.Generator, items: int, start: str, trigger: str, end: str,
                half_life_hours: float = 18.0, background_share: float = 0.15) -> pd.Series:
    """Creation times: a uniform background over the window plus a burst decaying from the trigger."""
    start, trigger, end = (pd.Timestamp(t) for t in (start, trigger, end))
    background = int(items * background_share)
    quiet = start + pd.to_timedelta(rng.random(background) * (end - start).total_seconds(), unit="s")
    hours = rng.exponential(half_life_hours / np.log(2), items - background) + rng.uniform(0, 3, items - background)
    burst = trigger + pd.to_timedelta(hours, unit="h")
    times = pd.Series(quiet.append(burst).sort_values().round("s")).dt.tz_convert("UTC")
    return times[(times >= start) & (times < end)].reset_index(drop=True)


def _text(rng: np.random.Generator, name: str | None = None) -> str:
    text = str(rng.choice(OPINIONS))
    return text if name is None else f"{text}L{name}的微博视频"


def weibo_search_csv(path: Path, times: pd.Series, seed: int = 1) -> Path:
    """dataabc/weibo-search 2022 layout (17 columns, utf-8-sig, CRLF): texts without spaces and without
    emoticons (weibo-search strips them), video posts end in 'L<nickname>的微博视频', 'YYYY-MM-DD HH:MM'."""
    rng = np.random.default_rng(seed)
    header = ["id", "bid", "user_id", "用户昵称", "微博正文", "头条文章url", "发布位置", "艾特用户", "话题", "转发数", "评论数",
              "点赞数", "发布时间", "发布工具", "微博图片url", "微博视频url", "retweet_id"]
    rows = []
    for i, time in enumerate(times):
        author = int(rng.integers(len(NAMES)))
        video = rng.random() < 0.2
        mention = NAMES[(author + 1) % len(NAMES)] if rng.random() < 0.1 else ""
        text = _text(rng, NAMES[author] if video else None) + (f"@{mention}" if mention else "")
        rows.append([str(4920000000000000 + i), f"Nb{i:05d}", str(7000000000 + author), NAMES[author],
                     text.replace(" ", ""), "", "", mention, "", str(int(rng.integers(0, 50))),
                     str(int(rng.integers(0, 30))), str(int(rng.integers(0, 300))),
                     time.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M"), "", "",
                     "http://f.video.example/x.mp4" if video else "", ""])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def spider_xhs_xlsx(path: Path, times: pd.Series, seed: int = 2) -> Path:
    """cv-cat/Spider_XHS workbook: one sheet, every cell text ('None', '[]', list literals in 标签 and
    图片地址url列表), 上传时间 in the crawling machine's local time, 标题 '无标题' when blank, ip归属地 '未知'."""
    import openpyxl

    rng = np.random.default_rng(seed)
    header = ["笔记id", "笔记url", "笔记类型", "用户id", "用户主页url", "昵称", "头像url", "标题", "描述", "点赞数量",
              "收藏数量", "评论数量", "分享数量", "视频封面url", "视频地址url", "图片地址url列表", "标签", "上传时间", "ip归属地"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for i, time in enumerate(times):
        author = int(rng.integers(len(NAMES)))
        note = f"64c7{i:020x}"
        tags = "['小红书AI训练', '画师']" if rng.random() < 0.5 else "[]"
        count = rng.choice(["12", "1.2万", "10万+", ""])
        sheet.append([note, f"https://www.xiaohongshu.com/explore/{note}", "图集", f"5f3c{author:020x}",
                      f"https://www.xiaohongshu.com/user/profile/5f3c{author:020x}", NAMES[author], "https://a/x.jpg",
                      "无标题" if rng.random() < 0.3 else "关于AI训练", _text(rng) + " #小红书AI训练[话题]#", count,
                      "None", str(int(rng.integers(0, 40))), "", "None", "None", "['https://a/1.jpg']", tags,
                      time.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M:%S"),
                      rng.choice(["未知", "广东", "上海"])])
    book.save(path)
    return path


def weibo_crawler_2019_csv(folder: Path, times: pd.Series, seed: int = 3) -> list[Path]:
    """dataabc/weibo-crawler per-user CSVs of 2019/20 (``{screen_name}/{user_id}.csv``): 日期 holds only the
    date, counts capped at 1000000, '#话题#<nickname>的秒拍视频' in video posts."""
    rng = np.random.default_rng(seed)
    header = ["id", "bid", "正文", "原始图片url", "视频url", "位置", "日期", "工具", "点赞数", "评论数", "转发数", "话题", "@用户"]
    by_user: dict[int, list] = {}
    for i, time in enumerate(times):
        author = int(rng.integers(4))
        video = rng.random() < 0.2
        text = _text(rng) + (f" #小红书AI训练#{NAMES[author]}的秒拍视频" if video else "")
        by_user.setdefault(author, []).append([
            str(4400000000000000 + i), f"Eo{i:05d}", text, "", "", "", time.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d"),
            "iPhone", str(min(int(rng.integers(0, 2_000_000)), 1_000_000)), str(int(rng.integers(0, 40))),
            str(int(rng.integers(0, 40))), "", ""])
    paths = []
    for author, rows in sorted(by_user.items()):
        path = folder / NAMES[author] / f"{6000000000 + author}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        paths.append(path)
    return paths


def weibo_search_with_comments_csv(path: Path, times: pd.Series, official: dict, response_time: str,
                                   seed: int = 4) -> Path:
    """The weibo-search fork that appends one comment's columns to every post row (评论人ID, 评论人昵称,
    评论时间 in the raw API form, 评论内容 as HTML, 点赞次数); the post fields repeat for each comment. The
    company's official account posts its apology at ``response_time``."""
    rng = np.random.default_rng(seed)
    header = ["id", "bid", "user_id", "用户昵称", "微博正文", "头条文章url", "发布位置", "艾特用户", "话题", "转发数", "评论数",
              "点赞数", "发布时间", "发布工具", "微博图片url", "微博视频url", "retweet_id", "ip", "user_authentication",
              "评论人ID", "评论人昵称", "评论时间", "评论内容", "点赞次数"]
    posts = [(t, int(rng.integers(len(NAMES))), _text(rng)) for t in times]
    posts.append((pd.Timestamp(response_time), None, "关于用户协议的致歉声明：我们已修改相关条款，向大家道歉"))
    rows = []
    for i, (time, author, text) in enumerate(sorted(posts, key=lambda post: post[0])):
        user_id, name = (official["user_id"], official["nickname"]) if author is None else \
            (str(7000000000 + author), NAMES[author])
        post = [str(4930000000000000 + i), f"Nc{i:05d}", user_id, name, text, "", "", "", "", str(int(rng.integers(9))),
                "1", str(int(rng.integers(50))), time.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M"), "", "", "",
                "", str(rng.choice(["广东", "上海", ""])), "普通用户" if author is not None else "蓝V"]
        commenter = int(rng.integers(len(NAMES)))
        when = (time + pd.Timedelta(minutes=int(rng.integers(1, 90)))).tz_convert("Asia/Shanghai")
        comment = (f"同意<span class=\"url-icon\"><img alt=[怒] src=\"https://h5.example/e.png\" /></span>"
                   f"<a href='/n/{NAMES[commenter]}'>@{NAMES[commenter]}</a>")
        rows.append(post + [str(7000000000 + commenter), NAMES[commenter], when.strftime("%a %b %d %H:%M:%S +0800 %Y"),
                            comment, str(int(rng.integers(5)))])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
